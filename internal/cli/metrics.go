package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/text/lexicon"
	"github.com/hule-dev/hule/internal/text/metrics"
)

func newMetricsCmd(env Env) *cobra.Command {
	var (
		lang, format string
		corrections  int
	)
	cmd := &cobra.Command{
		Use:   "metrics [--lang en|sv] [--format json|table] FILE|-",
		Short: "Print the text metrics and grammar findings of an essay (- reads stdin)",
		Long: "metrics runs the nlp phase's analysis on one text: counts, sentence and word length,\n" +
			"lexical diversity (MTLD, HD-D), word frequency, readability and the grammar rules,\n" +
			"each finding with its position. Definitions: docs/text-metrics.md.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := metrics.ParseLanguage(lang)
			if err != nil {
				return err
			}
			if format != "json" && format != "table" {
				return fmt.Errorf("unknown format %q (want json or table)", format)
			}
			if corrections < 0 {
				return fmt.Errorf("--corrections must not be negative, got %d", corrections)
			}
			text, err := readInput(env.Stdin, args[0])
			if err != nil {
				return err
			}
			freq, err := frequenciesFor(l)
			if err != nil {
				return err
			}
			r := metrics.AnalyzeInput(metrics.Input{
				Text: text, Language: l, Frequencies: freq, SpellingCorrections: corrections,
			})
			if format == "json" {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return writeMetricsTable(env.Stdout, text, r, freq != nil, cmd.Flags().Changed("corrections"))
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "en", "language of the text: en or sv")
	cmd.Flags().StringVar(&format, "format", "table", "output format: json or table")
	cmd.Flags().IntVar(&corrections, "corrections", 0, "spelling corrections already made in the text, for the error density")
	return cmd
}

// readInput reads a whole file, or stdin for "-".
func readInput(stdin io.Reader, name string) (string, error) {
	if name == "-" {
		if stdin == nil {
			return "", fmt.Errorf("read stdin: no input")
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read stdin: %w", err)
		}
		return string(b), nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("read text: %w", err)
	}
	return string(b), nil
}

// frequenciesFor returns the shipped frequency list of a language, or nil
// where none is shipped (Swedish: hunspell-sv has words but no frequencies).
func frequenciesFor(l metrics.Language) (metrics.Frequencies, error) {
	if l != metrics.English {
		return nil, nil
	}
	lex, err := lexicon.English()
	if err != nil {
		return nil, fmt.Errorf("load english frequencies: %w", err)
	}
	return lex, nil
}

func writeMetricsTable(w io.Writer, text string, r metrics.Result, haveFreq, haveCorrections bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	row("language", "%s", r.Language)
	row("words", "%d", r.WordCount)
	row("sentences", "%d", r.SentenceCount)
	row("paragraphs", "%d", r.ParagraphCount)
	row("characters", "%d (%d without white space)", r.CharacterCount, r.CharacterCountNoSpaces)
	row("avg sentence length", "%.2f words (SD %.2f)", r.AvgSentenceLength, r.SentenceLengthStdDev)
	row("avg word length", "%.2f letters", r.AvgWordLength)
	row("type-token ratio", "%.3f (%d types / %d tokens)", r.TypeTokenRatio, r.TypeCount, r.LexicalTokens)
	row("MTLD", "%s", orUndefined(r.MTLD, r.MTLD > 0, "%.2f"))
	row("HD-D", "%s", orUndefined(r.HDD, r.LexicalTokens >= metrics.HDDSampleSize, "%.3f"))
	if haveFreq {
		row("mean Zipf", "%.2f (%.1f %% of words known)", r.MeanZipf, r.KnownWordPercent)
		row("rare words (Zipf < 3)", "%.1f %%", r.RareWordPercent)
	} else {
		row("mean Zipf", "n/a (no frequency list for %s)", r.Language)
	}
	if r.Language == metrics.English {
		row("Flesch-Kincaid grade", "%.2f", r.FleschKincaidGrade)
		row("Flesch reading ease", "%.2f", r.FleschReadingEase)
	}
	row("LIX", "%.2f (%d long words)", r.LIX, r.LongWords)
	if haveCorrections {
		row("error density", "%.2f spelling corrections per 100 words", r.ErrorDensity)
	}
	row("grammar findings", "%d (%.2f per 100 words)", r.Grammar.ErrorCount, r.GrammarErrorDensity)
	if len(r.Grammar.Findings) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "LINE:COL\tRULE\tTEXT\tSUGGESTION\tMESSAGE")
		for _, f := range r.Grammar.Findings {
			line, col := lineCol(text, f.Offset)
			suggestion := ""
			if len(f.Replacements) > 0 {
				suggestion = f.Replacements[0]
			}
			fmt.Fprintf(tw, "%d:%d\t%s\t%q\t%q\t%s\n", line, col, f.RuleID,
				text[f.Offset:f.Offset+f.Length], suggestion, f.Message)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

func orUndefined(v float64, defined bool, format string) string {
	if !defined {
		return "undefined (text too short)"
	}
	return fmt.Sprintf(format, v)
}

// lineCol turns a byte offset into a 1-based line and character column.
func lineCol(text string, off int) (int, int) {
	before := text[:off]
	line := 1 + strings.Count(before, "\n")
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCountInString(before[lineStart:])
}
