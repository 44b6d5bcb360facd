package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestShardCategories: each share of a sharded run names itself in every
// format that keeps results apart: the SARIF run's automationDetails.id
// (code scanning's category, valid SARIF), the JUnit report, the JSON
// report; a run over the whole tree sets none of them.
func TestShardCategories(t *testing.T) {
	schema := sarifSchema(t)
	tests := []struct {
		name          string
		shard, shards int
		wantID        string // "" for no automationDetails
		wantCategory  string
	}{
		{name: "whole tree", wantCategory: "verify-manifests"},
		{name: "one share of one", shard: 1, shards: 1, wantCategory: "verify-manifests"},
		{name: "share 2 of 4", shard: 2, shards: 4, wantID: "verify-manifests/shard-2-of-4/", wantCategory: "verify-manifests/shard-2-of-4"},
		{name: "share 12 of 12", shard: 12, shards: 12, wantID: "verify-manifests/shard-12-of-12/", wantCategory: "verify-manifests/shard-12-of-12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := sampleOpts
			opts.Shard, opts.Shards = tc.shard, tc.shards
			if got := Category(tc.shard, tc.shards); got != tc.wantCategory {
				t.Errorf("Category = %q, want %q", got, tc.wantCategory)
			}
			out := render(t, "sarif", sample, opts)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF does not match the 2.1.0 schema: %v", err)
			}
			var log struct {
				Runs []struct {
					AutomationDetails *struct {
						ID string `json:"id"`
					} `json:"automationDetails"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			got := ""
			if ad := log.Runs[0].AutomationDetails; ad != nil {
				got = ad.ID
			}
			if got != tc.wantID {
				t.Errorf("automationDetails.id = %q, want %q", got, tc.wantID)
			}
			// Code scanning's category is the id up to its last slash.
			if tc.wantID != "" && got[:strings.LastIndex(got, "/")] != tc.wantCategory {
				t.Errorf("the category of id %q is not %q", got, tc.wantCategory)
			}

			var junit struct {
				Name   string `xml:"name,attr"`
				Suites []struct {
					Properties []struct {
						Name  string `xml:"name,attr"`
						Value string `xml:"value,attr"`
					} `xml:"properties>property"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(render(t, "junit", sample, opts), &junit); err != nil {
				t.Fatal(err)
			}
			var js struct {
				Shard *struct{ Index, Total int } `json:"shard"`
			}
			if err := json.Unmarshal(render(t, "json", sample, opts), &js); err != nil {
				t.Fatal(err)
			}
			if tc.wantID == "" {
				if strings.Contains(junit.Name, "shard") || js.Shard != nil {
					t.Errorf("a run over the whole tree names a shard: JUnit %q, JSON %+v", junit.Name, js.Shard)
				}
				return
			}
			if want := "gitops-actions verify-manifests (shard "; !strings.HasPrefix(junit.Name, want) {
				t.Errorf("JUnit name %q, want it to start with %q", junit.Name, want)
			}
			for _, s := range junit.Suites {
				found := false
				for _, p := range s.Properties {
					found = found || p.Name == "gitops-actions.shard" && p.Value == strings.TrimPrefix(strings.ReplaceAll(tc.wantCategory, "-of-", "/"), "verify-manifests/shard-")
				}
				if !found {
					t.Errorf("a JUnit suite lacks the property gitops-actions.shard: %+v", s.Properties)
				}
			}
			if js.Shard == nil || js.Shard.Index != tc.shard || js.Shard.Total != tc.shards {
				t.Errorf("JSON shard = %+v, want %d of %d", js.Shard, tc.shard, tc.shards)
			}
		})
	}
}

// TestSummaryShare: the summary says which share it checked, escaped.
func TestSummaryShare(t *testing.T) {
	md := Summary(sample, Stats{Files: 3, Resources: 4, Share: "Shard 2 of 4: 10 units <b>x</b>"})
	if !strings.Contains(md, "Shard 2 of 4: 10 units") || strings.Contains(md, "<b>") {
		t.Errorf("summary does not say the share, or lets HTML through:\n%s", md)
	}
	if i, j := strings.Index(md, "Shard 2 of 4"), strings.Index(md, "finding"); i < 0 || j >= 0 && i > j {
		t.Errorf("the share is not said before the verdict:\n%s", md)
	}
}
