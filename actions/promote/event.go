package promote

import (
	"fmt"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// payload is the part of a webhook payload promote reads.
type payload struct {
	Action      string `json:"action"`
	PullRequest *struct {
		Number  int    `json:"number"`
		Title   string `json:"title"`
		Body    string `json:"body"`
		HTMLURL string `json:"html_url"`
		User    struct {
			Login string `json:"login"`
		} `json:"user"`
		Labels []struct {
			Name string `json:"name"`
		} `json:"labels"`
		Base struct {
			Ref string `json:"ref"`
		} `json:"base"`
		Head struct {
			Ref string `json:"ref"`
		} `json:"head"`
		Merged         bool       `json:"merged"`
		MergedAt       *time.Time `json:"merged_at"`
		MergeCommitSHA string     `json:"merge_commit_sha"`
	} `json:"pull_request"`
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	Repository struct {
		FullName      string `json:"full_name"`
		DefaultBranch string `json:"default_branch"`
		HTMLURL       string `json:"html_url"`
	} `json:"repository"`
}

// event is the workflow event a run answers: the engine's Event, and what
// the payload says about the repository.
type event struct {
	release.Event
	// Repository, DefaultBranch and HTMLURL come from the payload's
	// repository; empty without a payload.
	Repository, DefaultBranch, HTMLURL string
}

// readEvent reads GITHUB_EVENT_NAME and the payload at GITHUB_EVENT_PATH.
// Outside Actions there is neither, and the run tags sha like a
// workflow_dispatch.
func readEvent(getenv func(string) string, sha string) (event, error) {
	ev := event{Event: release.Event{Name: getenv("GITHUB_EVENT_NAME"), SHA: sha}}
	var pl payload
	if _, err := cli.ReadEvent(getenv, &pl); err != nil {
		return ev, err
	}
	ev.Action = pl.Action
	ev.Ref, ev.Before, ev.After, ev.Deleted = pl.Ref, pl.Before, pl.After, pl.Deleted
	ev.Repository, ev.DefaultBranch, ev.HTMLURL = pl.Repository.FullName, pl.Repository.DefaultBranch, pl.Repository.HTMLURL
	if pr := pl.PullRequest; pr != nil && strings.HasPrefix(ev.Name, "pull_request") {
		p := &release.Pull{
			Number: pr.Number, Title: pr.Title, Body: pr.Body, URL: pr.HTMLURL, Author: pr.User.Login,
			Base: pr.Base.Ref, Head: pr.Head.Ref, Merged: pr.Merged, MergeCommit: pr.MergeCommitSHA,
		}
		if pr.MergedAt != nil {
			p.MergedAt = pr.MergedAt.UTC()
		}
		for _, l := range pr.Labels {
			p.Labels = append(p.Labels, l.Name)
		}
		if p.Merged && p.MergedAt.IsZero() {
			return ev, cli.Usagef("the event payload %q: pull request #%d is merged but has no merged_at", getenv("GITHUB_EVENT_PATH"), p.Number)
		}
		ev.Pull = p
	}
	return ev, nil
}

// webURL is the web address of a repository: the payload's, else
// GITHUB_SERVER_URL's, else derived from the API root (api.github.com is
// github.com; https://HOST/api/v3 is https://HOST).
func webURL(ev event, getenv func(string) string, apiURL, fullName string) string {
	if ev.HTMLURL != "" && strings.EqualFold(ev.Repository, fullName) {
		return ev.HTMLURL
	}
	if s := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/"); s != "" {
		return s + "/" + fullName
	}
	if apiURL == "" || strings.HasPrefix(apiURL, "https://api.github.com") {
		return "https://github.com/" + fullName
	}
	root := strings.TrimSuffix(apiURL, "/")
	root = strings.TrimSuffix(root, "/api/v3")
	return fmt.Sprintf("%s/%s", root, fullName)
}
