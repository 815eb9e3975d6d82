package judge

import (
	"context"
	"errors"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// openaiProvider speaks OpenAI-compatible chat completions.
type openaiProvider struct {
	client openai.Client
	mode   string
	// maxTokensLegacy sends max_tokens instead of max_completion_tokens:
	// OpenAI's reasoning models accept only the new field, while some
	// OpenAI-compatible servers know only the old one. A custom base URL
	// selects the old field.
	maxTokensLegacy bool
}

func newOpenAI(cfg Config, key string) *openaiProvider {
	opts := []option.RequestOption{option.WithAPIKey(key), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &openaiProvider{client: openai.NewClient(opts...), mode: cfg.OutputMode, maxTokensLegacy: cfg.BaseURL != ""}
}

func (p *openaiProvider) complete(ctx context.Context, c call) (reply, error) {
	params := openai.ChatCompletionNewParams{
		Model: c.model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(c.system),
			openai.UserMessage(c.user),
		},
		Temperature: openai.Float(c.temperature),
	}
	if p.maxTokensLegacy {
		params.MaxTokens = openai.Int(int64(c.maxTokens))
	} else {
		params.MaxCompletionTokens = openai.Int(int64(c.maxTokens))
	}
	if p.mode == OutputSchema {
		params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:        "comparison_verdict",
					Description: openai.String("Which essay is better, why, and how sure."),
					Schema:      verdictSchema(),
					Strict:      openai.Bool(true),
				},
			},
		}
	}
	resp, err := p.client.Chat.Completions.New(ctx, params)
	if err != nil {
		return reply{}, openaiError(err)
	}
	rep := reply{
		model: resp.Model,
		usage: Usage{InputTokens: resp.Usage.PromptTokens, OutputTokens: resp.Usage.CompletionTokens},
	}
	if len(resp.Choices) == 0 {
		return rep, nil // parsed as malformed: no answer text
	}
	ch := resp.Choices[0]
	rep.text = ch.Message.Content
	switch {
	case ch.Message.Refusal != "":
		rep.refusal = ch.Message.Refusal
	case ch.FinishReason == "content_filter":
		rep.refusal = "content_filter"
	}
	return rep, nil
}

// openaiError keeps the status, error type and retry hint of an SDK error
// and drops the rest (the request, and a body that may echo part of a key).
func openaiError(err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		e := &APIError{Provider: ProviderOpenAI, StatusCode: apiErr.StatusCode, Type: firstNonEmpty(apiErr.Code, apiErr.Type)}
		if apiErr.Response != nil {
			e.RetryAfter = retryAfter(apiErr.Response.Header, time.Now())
		}
		return e
	}
	return &APIError{Provider: ProviderOpenAI, Err: err}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
