package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
)

// reportFinding is a finding of verify-manifests' JSON report.
type reportFinding struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Severity    string `json:"severity"`
	Rule        string `json:"rule"`
	Message     string `json:"message"`
	Resource    string `json:"resource,omitempty"`
	Environment string `json:"environment,omitempty"`
}

func readReport(name string) ([]reportFinding, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r struct {
		Findings []reportFinding `json:"findings"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return r.Findings, nil
}

// compareShardsCmd compares the JSON reports of one job over the whole
// repository (SINGLE), of the merge of its shards (MERGED) and of each
// shard: the merge must report exactly the single job's findings (every
// field, in order), and the shards between them the same places and
// rules (file, line, column, rule), each finding at a file some shards
// share naming only the environments of its share.
func compareShardsCmd(args []string, w io.Writer) error {
	if len(args) < 3 {
		return errors.New("usage: compare-shards SINGLE.json MERGED.json SHARD.json...")
	}
	single, err := readReport(args[0])
	if err != nil {
		return err
	}
	merged, err := readReport(args[1])
	if err != nil {
		return err
	}
	type place struct {
		file      string
		line, col int
		rule      string
	}
	want := map[place]map[string]bool{}
	for _, f := range single {
		p := place{f.File, f.Line, f.Column, f.Rule}
		if want[p] == nil {
			want[p] = map[string]bool{}
		}
		want[p][f.Message] = true
	}
	union := map[place]bool{}
	found, same, partial := 0, 0, 0
	for _, s := range args[2:] {
		fs, err := readReport(s)
		if err != nil {
			return err
		}
		for _, f := range fs {
			p := place{f.File, f.Line, f.Column, f.Rule}
			union[p] = true
			found++
			if want[p][f.Message] {
				same++
			} else if want[p] != nil {
				partial++
			}
		}
	}
	var missing, extra []string
	for p := range want {
		if !union[p] {
			missing = append(missing, fmt.Sprintf("%s:%d:%d [%s]", p.file, p.line, p.col, p.rule))
		}
	}
	for p := range union {
		if want[p] == nil {
			extra = append(extra, fmt.Sprintf("%s:%d:%d [%s]", p.file, p.line, p.col, p.rule))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	fmt.Fprintf(w, "single job: %d findings; merge of %d shards: %d findings, ", len(single), len(args)-2, len(merged))
	equal := reflect.DeepEqual(single, merged)
	if equal {
		fmt.Fprintln(w, "the same (file, line, column, rule, severity, message, resource, environment, in order)")
	} else {
		fmt.Fprintln(w, "NOT the same")
	}
	fmt.Fprintf(w, "the shards' reports: %d findings at %d places (file, line, column, rule), %d of them the single job's exactly, %d at a file several shards render, naming only their share's environments; places missing: %d, extra: %d\n",
		found, len(union), same, partial, len(missing), len(extra))
	for i, m := range append(missing, extra...) {
		if i == 10 {
			break
		}
		fmt.Fprintln(w, "  ", m)
	}
	if !equal || len(missing)+len(extra) > 0 {
		return errors.New("the shards do not report what the single job does")
	}
	return nil
}
