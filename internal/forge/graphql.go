package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// GraphQLError is GitHub refusing a GraphQL request: the "errors" list of
// its answer (which comes with HTTP 200). GitHub did not act on the field
// that failed.
type GraphQLError struct {
	Errors []GraphQLErrorItem
}

// GraphQLErrorItem is one entry of a GraphQL answer's "errors".
type GraphQLErrorItem struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	// Path is the field that failed, from the root ("repository",
	// "pullRequest").
	Path []any `json:"path"`
}

// Message joins the errors' messages.
func (e *GraphQLError) Message() string {
	var msgs []string
	for _, x := range e.Errors {
		msgs = append(msgs, x.Message)
	}
	return strings.Join(msgs, "; ")
}

func (e *GraphQLError) Error() string { return "GitHub GraphQL: " + e.Message() }

// HTTPError is an answer of the GraphQL endpoint that is not 200: GitHub
// refused the request before running it (401, 403), or failed (5xx).
type HTTPError struct {
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string { return "GitHub answered " + e.Status }

// graphql sends one GraphQL operation and decodes its "data" into data
// (when not nil), also when the answer comes with errors: a field that
// failed is null, the others stand. A query reads, so the transport may
// repeat it; a mutation goes through the at-most-once path of its caller.
func (c *Client) graphql(ctx context.Context, query string, vars map[string]any, data any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.TrimSpace(query), "mutation") {
		ctx = SafeToRepeat(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphqlURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	var out struct {
		Data   json.RawMessage    `json:"data"`
		Errors []GraphQLErrorItem `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("reading GitHub's GraphQL answer: %w", err)
	}
	if data != nil && len(out.Data) > 0 && string(out.Data) != "null" {
		if err := json.Unmarshal(out.Data, data); err != nil {
			return fmt.Errorf("reading GitHub's GraphQL answer: %w", err)
		}
	}
	if len(out.Errors) > 0 {
		return &GraphQLError{Errors: out.Errors}
	}
	return nil
}
