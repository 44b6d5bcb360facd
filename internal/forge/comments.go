package forge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
)

// What UpsertComment did.
const (
	CommentCreated   = "created"
	CommentUpdated   = "updated"
	CommentUnchanged = "unchanged"
	// CommentNone: there was no comment, and none was to be created.
	CommentNone = "none"
)

// Comment is an issue or pull-request comment as the actions need it.
type Comment struct {
	ID   int64
	URL  string
	Body string
}

// UpsertComment makes the one comment of issue or pull request number whose
// body starts with marker (a hidden HTML comment, say) read body, which
// must start with marker too: it creates the comment when there is none,
// edits it when its body differs, and leaves it alone when it is the same,
// so that a job run on every push keeps one comment up to date instead of
// adding one each time. With create false a missing comment is not created
// (CommentNone): a comment with nothing new to say is only worth an
// update. It returns what it did and the comment (nil for CommentNone). Creating
// and editing are not idempotent for the transport; after an unknown
// outcome the comments are looked up again before anything is sent twice.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string, create bool) (string, *Comment, error) {
	if marker == "" || !strings.HasPrefix(body, marker) {
		return "", nil, errors.New("a comment to keep up to date starts with its marker")
	}
	found, err := c.FindComment(ctx, number, marker)
	if err != nil {
		return "", nil, err
	}
	if found == nil && !create {
		return CommentNone, nil, nil
	}
	if found == nil {
		cm, err := c.createComment(ctx, number, marker, body)
		if err != nil {
			return CommentCreated, cm, err
		}
		return c.settleComment(ctx, number, marker, body, cm)
	}
	if found.Body == body {
		return CommentUnchanged, found, nil
	}
	cm, err := c.editComment(ctx, number, found.ID, marker, body)
	return CommentUpdated, cm, err
}

// settleComment makes sure the comment just created is the only one: two
// runs that listed the comments at the same time and found none both
// create one. Whichever run sees that its comment is not the oldest
// deletes it and updates the oldest instead, so the runs end with one
// comment however they interleave.
func (c *Client) settleComment(ctx context.Context, number int, marker, body string, created *Comment) (string, *Comment, error) {
	all, err := c.findComments(ctx, number, marker, true)
	if err != nil {
		return CommentCreated, created, err
	}
	if len(all) < 2 || all[0].ID == created.ID {
		return CommentCreated, created, nil
	}
	if _, err := c.GH.Issues.DeleteComment(ctx, c.Owner, c.Repo, created.ID); err != nil && StatusCode(err) != http.StatusNotFound {
		return CommentCreated, created, fmt.Errorf("deleting comment %d on #%d, made at the same time as comment %d: %w", created.ID, number, all[0].ID, err)
	}
	oldest := all[0]
	if oldest.Body == body {
		return CommentUnchanged, oldest, nil
	}
	cm, err := c.editComment(ctx, number, oldest.ID, marker, body)
	return CommentUpdated, cm, err
}

// FindComment returns the first (oldest) comment of issue or pull request
// number whose body starts with marker, or nil. It reads every page of
// comments: a busy pull request has more than one.
func (c *Client) FindComment(ctx context.Context, number int, marker string) (*Comment, error) {
	all, err := c.findComments(ctx, number, marker, false)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return all[0], nil
}

// findComments returns the comments whose body starts with marker, oldest
// first: the first only, unless every is true.
func (c *Client) findComments(ctx context.Context, number int, marker string, every bool) ([]*Comment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	var out []*Comment
	for {
		cs, resp, err := c.GH.Issues.ListComments(ctx, c.Owner, c.Repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("listing the comments of #%d: %w", number, err)
		}
		for _, cm := range cs {
			if strings.HasPrefix(cm.GetBody(), marker) {
				out = append(out, commentFrom(cm))
				if !every {
					return out, nil
				}
			}
		}
		if resp.NextPage == 0 {
			slices.SortFunc(out, func(a, b *Comment) int { return cmp.Compare(a.ID, b.ID) })
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func commentFrom(cm *github.IssueComment) *Comment {
	return &Comment{ID: cm.GetID(), URL: cm.GetHTMLURL(), Body: cm.GetBody()}
}

// createComment posts body; after an unknown outcome, a comment with the
// marker that appeared meanwhile is the one posted.
func (c *Client) createComment(ctx context.Context, number int, marker, body string) (*Comment, error) {
	var out *Comment
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		cm, _, err := c.GH.Issues.CreateComment(ctx, c.Owner, c.Repo, number, &github.IssueComment{Body: github.String(body)})
		if err == nil {
			out = commentFrom(cm)
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		cm, err := c.FindComment(ctx, number, marker)
		if err != nil || cm == nil || cm.Body != body {
			return false, err
		}
		out = cm
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("commenting on #%d: %w", number, err)
	}
	return out, nil
}

// editComment sets comment id's body; after an unknown outcome, the body
// is looked up.
func (c *Client) editComment(ctx context.Context, number int, id int64, marker, body string) (*Comment, error) {
	var out *Comment
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		cm, _, err := c.GH.Issues.EditComment(ctx, c.Owner, c.Repo, id, &github.IssueComment{Body: github.String(body)})
		if err == nil {
			out = commentFrom(cm)
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		cm, err := c.FindComment(ctx, number, marker)
		if err != nil || cm == nil || cm.ID != id || cm.Body != body {
			return false, err
		}
		out = cm
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating comment %d on #%d: %w", id, number, err)
	}
	return out, nil
}
