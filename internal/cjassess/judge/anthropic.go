package judge

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// verdictTool is the tool an Anthropic model is made to call; its input is
// the verdict, validated against verdictSchema by the API.
const verdictTool = "record_verdict"

// anthropicProvider speaks the Anthropic messages API.
type anthropicProvider struct {
	client anthropic.Client
	mode   string
}

func newAnthropic(cfg Config, key string) *anthropicProvider {
	opts := []option.RequestOption{option.WithAPIKey(key), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &anthropicProvider{client: anthropic.NewClient(opts...), mode: cfg.OutputMode}
}

func (p *anthropicProvider) complete(ctx context.Context, c call) (reply, error) {
	params := anthropic.MessageNewParams{
		Model:       anthropic.Model(c.model),
		MaxTokens:   int64(c.maxTokens),
		System:      []anthropic.TextBlockParam{{Text: c.system}},
		Messages:    []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(c.user))},
		Temperature: anthropic.Float(c.temperature),
	}
	if p.mode == OutputSchema {
		s := verdictSchema()
		params.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        verdictTool,
			Description: anthropic.String("Record which essay is better, why, and how sure you are."),
			InputSchema: anthropic.ToolInputSchemaParam{
				Properties:  s["properties"],
				Required:    s["required"].([]string),
				ExtraFields: map[string]any{"additionalProperties": false},
			},
		}}}
		params.ToolChoice = anthropic.ToolChoiceParamOfTool(verdictTool)
	}
	msg, err := p.client.Messages.New(ctx, params)
	if err != nil {
		return reply{}, anthropicError(err)
	}
	rep := reply{
		model: string(msg.Model),
		usage: Usage{InputTokens: msg.Usage.InputTokens, OutputTokens: msg.Usage.OutputTokens},
	}
	if msg.StopReason == anthropic.StopReasonRefusal {
		rep.refusal = "refusal"
		return rep, nil
	}
	var text strings.Builder
	for _, b := range msg.Content {
		switch b.Type {
		case "tool_use":
			if b.Name == verdictTool && len(b.Input) > 0 {
				rep.text = string(b.Input)
				return rep, nil
			}
		case "text":
			text.WriteString(b.Text)
		}
	}
	rep.text = text.String()
	return rep, nil
}

// anthropicError keeps the status, error type and retry hint of an SDK
// error and drops the rest.
func anthropicError(err error) error {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		e := &APIError{Provider: ProviderAnthropic, StatusCode: apiErr.StatusCode, Type: anthropicErrorType(apiErr.RawJSON())}
		if apiErr.Response != nil {
			e.RetryAfter = retryAfter(apiErr.Response.Header, time.Now())
		}
		return e
	}
	return &APIError{Provider: ProviderAnthropic, Err: err}
}

// anthropicErrorType reads error.type from an error body such as
// {"type":"error","error":{"type":"rate_limit_error","message":"..."}}.
func anthropicErrorType(raw string) string {
	var body struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(raw), &body) != nil {
		return ""
	}
	return body.Error.Type
}
