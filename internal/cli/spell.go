package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/text/lexicon"
	"github.com/hule-dev/hule/internal/text/spell"
)

// spellReport is the JSON output of `hule spell --format json`.
type spellReport struct {
	Lang        string             `json:"lang"`
	Corrections []spell.Correction `json:"corrections"`
	Metrics     spell.Metrics      `json:"metrics"`
}

func newSpellCmd(env Env) *cobra.Command {
	var (
		lang, format, dictDir string
		allow                 []string
	)
	cmd := &cobra.Command{
		Use:   "spell [--lang en|sv] [--format text|json] [--allow WORD,...] FILE|-",
		Short: "Correct the spelling of a text (- reads stdin)",
		Long: "spell runs the spellcheck phase on one text: common learner errors first, then the\n" +
			"dictionary. It prints the corrected text, or with --format json the corrections\n" +
			"(byte offset, original, replacement, source learner|dictionary) and the metrics.\n" +
			"Swedish needs Debian's hunspell-sv (--dict-dir, or HULE_SPELL_DICT_DIR). See docs/spelling.md.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("unknown format %q (want text or json)", format)
			}
			if !cmd.Flags().Changed("dict-dir") {
				if d := env.Getenv("HULE_SPELL_DICT_DIR"); d != "" {
					dictDir = d
				}
			}
			lex, err := spellLexicon(lang, dictDir)
			if err != nil {
				return err
			}
			text, err := readTextArg(env.Stdin, args[0])
			if err != nil {
				return err
			}
			checker, err := spell.NewChecker(lex, spell.Options{})
			if err != nil {
				return err
			}
			res := checker.Check(text, allow)
			if format == "text" {
				_, err := io.WriteString(env.Stdout, res.Text)
				return err
			}
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(spellReport{Lang: lex.Lang(), Corrections: res.Corrections, Metrics: res.Metrics})
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "en", "language of the text: en or sv")
	cmd.Flags().StringVar(&format, "format", "text", "output: text (the corrected text) or json (the corrections)")
	cmd.Flags().StringSliceVar(&allow, "allow", nil, "words to keep as written (comma-separated, repeatable)")
	cmd.Flags().StringVar(&dictDir, "dict-dir", lexicon.DefaultSwedishDir, "directory of the hunspell files sv_SE.dic and sv_SE.aff (Swedish)")
	return cmd
}

// spellLexicon loads the lexicon of lang; a missing dictionary is exit code 1.
func spellLexicon(lang, dictDir string) (*lexicon.Lexicon, error) {
	switch strings.ToLower(lang) {
	case "en":
		return lexicon.English()
	case "sv":
		lex, err := lexicon.Swedish(dictDir)
		if errors.Is(err, lexicon.ErrNoDictionary) {
			return nil, &ExitError{Code: 1, Err: err}
		}
		return lex, err
	default:
		return nil, fmt.Errorf("unknown language %q (want en or sv)", lang)
	}
}

// readTextArg reads a whole file, or stdin for "-".
func readTextArg(stdin io.Reader, name string) (string, error) {
	if name != "-" {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("read text: %w", err)
		}
		return string(b), nil
	}
	if stdin == nil {
		return "", errors.New("read stdin: no input")
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return string(b), nil
}
