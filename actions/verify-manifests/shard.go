package verifymanifests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/diffpreview"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// A job matrix checks a large repository in N shares: each job runs with
// shard I/N and writes its result file; a last job, with merge-results,
// reads them all and reports on the whole repository as one job would
// (one summary, one exit code, one pull-request comment). The result file
// is the share's verify.Tally, its part of the diff preview, and what
// tells that the shares belong together: the commit, the partition and
// settings (the plan), the path.

// resultKind and resultVersion name the format of a result file.
const (
	resultKind    = "gitops-actions/verify-manifests-shard"
	resultVersion = 1
	// maxResultSize is the most a result file may hold: a share's
	// findings, the names of its files and its part of the diff.
	maxResultSize = 256 << 20
	// maxResults is the most result files merge-results reads.
	maxResults = 1024
)

// shardResult is a result file.
type shardResult struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Tool    string        `json:"tool,omitempty"`
	Shard   shardIndex    `json:"shard"`
	Commit  string        `json:"commit,omitempty"`
	Plan    string        `json:"plan,omitempty"`
	Path    string        `json:"path"`
	Share   *shareCounts  `json:"share,omitempty"`
	Tally   *verify.Tally `json:"tally"`
	Diff    *shardDiff    `json:"diff,omitempty"`

	file string // where it was read from
}

type shardIndex struct {
	Index int `json:"index"`
	Total int `json:"total"`
}

// shareCounts is what the share held, for the merge's summary.
type shareCounts struct {
	Units     map[string]int `json:"units"`
	Cost      int            `json:"cost"`
	TotalCost int            `json:"totalCost"`
}

// shardDiff is a share's part of the diff preview.
type shardDiff struct {
	Base    string               `json:"base"`
	Preview *diffpreview.Preview `json:"preview"`
}

// readShardInputs reads shard, result-file and merge-results; every error
// is a usage error that says what to do.
func readShardInputs(v cli.Values, in *inputs) error {
	in.ResultFile, in.MergeResults = v.String("result-file"), v.String("merge-results")
	if s := v.String("shard"); s != "" {
		sh, err := render.ParseShard(s)
		if err != nil {
			return cli.Usagef("input \"shard\": %v; in a job matrix: shard: ${{ matrix.shard }}/N", err)
		}
		in.Shard = sh
	}
	switch {
	case in.sharded() && in.MergeResults != "":
		return cli.Usagef("input \"shard\" and \"merge-results\" are both set: a shard job checks its share and writes its result; the merge job (merge-results) only reads the shards' results")
	case in.MergeResults != "" && (in.Diff.Base != "" || in.Diff.BasePath != ""):
		return cli.Usagef("input \"merge-results\" is set with diff-base or diff-base-path: the shard jobs compare with the base and carry their part of the diff in their results; give the base to them, and only token to the merge job")
	case in.ResultFile != "" && !in.sharded():
		return cli.Usagef("input \"result-file\" is set without shard: it is where a shard job writes its result for merge-results; set shard too (e.g. shard: 1/4)")
	case in.sharded() && in.ResultFile == "":
		in.ResultFile = "verify-manifests-" + in.Shard.ID() + ".json"
	}
	return nil
}

// resultPath checks result-file against the tree; "" without shard.
func resultPath(tree *workspace.Tree, in inputs) (string, error) {
	if !in.sharded() {
		return "", nil
	}
	p, err := tree.Path("result-file", in.ResultFile, true)
	if err != nil {
		return "", cli.UsageError(err)
	}
	return p, nil
}

// shareLine says, for the step summary, which share a run checked.
func shareLine(res *verify.Result) string {
	if res.Share == nil {
		return ""
	}
	st := res.Share
	pct := 0
	if st.TotalCost > 0 {
		pct = (100*st.Cost + st.TotalCost/2) / st.TotalCost
	}
	line := fmt.Sprintf("Shard %d of %d: this job checked %s, about %d%% of the repository's work, and the files it owns; the merge job reports on the whole repository.",
		res.Shard.Index, res.Shard.Total, unitsPhrase(kindCounts(st.Parts)), pct)
	if st.LargestCost*res.Shard.Total > st.TotalCost && st.TotalCost > 0 {
		// One group over an even share: what a rule compares (the
		// environments input, a directory applied as a whole) or what
		// renders another's files is checked together, and no number of
		// shards splits it.
		line += fmt.Sprintf(" Its largest group of units checked together, with %s, is about %d%% of the work, more than an even share: more shards cannot make this job shorter.",
			st.Largest, (100*st.LargestCost+st.TotalCost/2)/st.TotalCost)
	}
	return line
}

// kindCounts turns a share's parts by kind into counts by name.
func kindCounts(parts map[render.Kind]int) map[string]int {
	out := map[string]int{}
	for k, n := range parts {
		out[string(k)] = n
	}
	return out
}

// unitsPhrase names counts of units: "3 kustomizations, 1 chart
// directory and 2 directories of plain manifests"; "no unit" for none.
func unitsPhrase(units map[string]int) string {
	names := map[string][2]string{
		string(render.Kustomization): {"kustomization", "kustomizations"},
		string(render.HelmChart):     {"chart directory", "chart directories"},
		string(render.Directory):     {"directory of plain manifests", "directories of plain manifests"},
	}
	var parts []string
	for _, k := range []string{string(render.Kustomization), string(render.HelmChart), string(render.Directory)} {
		if n := units[k]; n > 0 {
			w := names[k][1]
			if n == 1 {
				w = names[k][0]
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, w))
		}
	}
	switch len(parts) {
	case 0:
		return "no unit"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// writeResult writes the share's result file and names it in the
// result-file output.
func writeResult(r *cli.Run, in inputs, res *verify.Result, part *diffpreview.Preview, base string, tree *workspace.Tree, file string) error {
	out := shardResult{Format: resultKind, Version: resultVersion, Tool: r.Version, Shard: shardIndex{in.Shard.Index, in.Shard.Total},
		Commit: r.Getenv("GITHUB_SHA"), Plan: res.Plan, Path: in.Path, Tally: res.Tally}
	if res.Share != nil {
		out.Share = &shareCounts{Units: kindCounts(res.Share.Parts), Cost: res.Share.Cost, TotalCost: res.Share.TotalCost}
	}
	if part != nil {
		out.Diff = &shardDiff{Base: base, Preview: part}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("writing the result of shard %s: %w", in.Shard, err)
	}
	if err := tree.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the result of shard %s to %q: %w", in.Shard, file, err)
	}
	r.SetOutput("result-file", file)
	r.Logf("verify-manifests: shard %s: result written to %s, for merge-results", in.Shard, file)
	return nil
}

// runMerge reads the shards' results in merge-results and reports on
// them as one run over the whole repository: report, step summary,
// outputs, diff-file and pull-request comment, and the exit code.
func runMerge(ctx context.Context, r *cli.Run, in inputs, tree *workspace.Tree, d Deps) error {
	dir, err := tree.Path("merge-results", in.MergeResults, false)
	if err != nil {
		return cli.UsageError(err)
	}
	if st, err := tree.Stat(dir); err != nil || !st.IsDir() {
		return cli.Usagef("input \"merge-results\": %q is not a directory (give the directory the shards' result files were downloaded to)", in.MergeResults)
	}
	output := ""
	if in.OutputFile != "" {
		if output, err = tree.Path("output-file", in.OutputFile, true); err != nil {
			return cli.UsageError(err)
		}
	}
	diffFile := ""
	if in.Diff.File != "" {
		if diffFile, err = tree.Path("diff-file", in.Diff.File, true); err != nil {
			return cli.UsageError(err)
		}
	}
	results, err := readResults(tree, dir, in.MergeResults)
	if err != nil {
		return err
	}
	if err := checkShards(results, in.MergeResults); err != nil {
		return err
	}
	tallies := make([]*verify.Tally, len(results))
	for i, sr := range results {
		tallies[i] = sr.Tally
	}
	res := verify.Merge(tallies)
	first := results[0]
	// The comment's marker and the summary are those of the shards' path.
	in.Path = first.Path
	if err := writeReport(r, in, res, tree, output, mergeLine(results)); err != nil {
		return err
	}
	pv, label, err := mergedDiff(results)
	if err != nil {
		return err
	}
	if pv != nil {
		var gh *forge.Client
		if in.Diff.HasGitHub {
			if gh, err = in.Diff.GitHub.Client(ctx, r, d); err != nil {
				return err
			}
		}
		if err := publishDiff(ctx, r, in, tree, diffFile, label, pv, gh, checkOf(res)); err != nil {
			return err
		}
	} else if diffFile != "" {
		r.Notice("no diff: diff-file is set, but the shards compared with no base (give them diff-base)")
	}
	fmt.Fprintf(r.Stderr, "verify-manifests: %d shards merged: %d file(s), %d resource(s): %d error(s), %d warning(s), %d notice(s)\n", len(results), res.Files, res.Resources, res.Errors, res.Warnings, res.Notices)
	if !in.Never && res.Count(in.FailOn) > 0 {
		return cli.Failedf("%d finding(s) at or above %s: %d error(s), %d warning(s)", res.Count(in.FailOn), in.FailOn, res.Errors, res.Warnings)
	}
	return nil
}

// readResults reads every .json file under dir (the merge-results input,
// named input in messages), each a shard's result.
func readResults(tree *workspace.Tree, dir, input string) ([]*shardResult, error) {
	var names []string
	err := fs.WalkDir(tree, dir, func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.IsDir() || !strings.HasSuffix(e.Name(), ".json"):
			return nil
		case !e.Type().IsRegular():
			return cli.Usagef("input \"merge-results\": %q is a %s, not a result file", p, workspace.TypeName(e.Type()))
		case len(names) == maxResults:
			return cli.Usagef("input \"merge-results\": %q holds over %d .json files: give the directory of one run's shard results", input, maxResults)
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		if errors.As(err, new(*cli.ExitError)) {
			return nil, err
		}
		return nil, cli.Usagef("input \"merge-results\": reading %q: %v", input, err)
	}
	if len(names) == 0 {
		return nil, cli.Failedf("input \"merge-results\": %q holds no shard result (*.json): the shard jobs failed before writing theirs, or their artifacts were downloaded elsewhere", input)
	}
	out := make([]*shardResult, 0, len(names))
	for _, n := range names {
		data, _, err := tree.ReadFileLimit(n, maxResultSize)
		if err != nil {
			return nil, cli.Usagef("input \"merge-results\": reading %q: %v", n, err)
		}
		sr, err := parseResult(data)
		if err != nil {
			return nil, cli.Usagef("input \"merge-results\": %q: %v", n, err)
		}
		sr.file = n
		out = append(out, sr)
	}
	return out, nil
}

// parseResult reads one result file.
func parseResult(data []byte) (*shardResult, error) {
	// One pass over the file: a result of another format or version reads
	// its format and version before what it cannot.
	var sr shardResult
	err := json.Unmarshal(data, &sr)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return nil, fmt.Errorf("not a verify-manifests shard result: not JSON (%v; a file cut short?)", err)
	case sr.Format != resultKind:
		return nil, fmt.Errorf("not a verify-manifests shard result (a result-file of a job with shard)")
	case sr.Version != resultVersion:
		return nil, fmt.Errorf("a shard result of format %d, and this version of gitops-actions reads format %d: run the shard jobs and the merge job with one version", sr.Version, resultVersion)
	case err != nil:
		return nil, fmt.Errorf("a shard result that does not read: %v", err)
	}
	switch {
	case sr.Shard.Total < 1 || sr.Shard.Total > 256 || sr.Shard.Index < 1 || sr.Shard.Index > sr.Shard.Total:
		return nil, fmt.Errorf("shard %d of %d is no share (1 ≤ I ≤ N ≤ 256)", sr.Shard.Index, sr.Shard.Total)
	case sr.Tally == nil:
		return nil, fmt.Errorf("a shard result without its findings (tally)")
	case sr.Diff != nil && sr.Diff.Preview == nil:
		return nil, fmt.Errorf("a shard result whose diff has no preview")
	}
	return &sr, nil
}

// run names what makes results belong together.
func (sr *shardResult) run() string {
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s", sr.Shard.Total, sr.Commit, sr.Plan, sr.Path)
}

// describe names a result in a message: "shard 2 of 4 of commit 1a2b3c4".
func (sr *shardResult) describe() string {
	s := fmt.Sprintf("shard %d of %d", sr.Shard.Index, sr.Shard.Total)
	if sr.Commit != "" {
		s += " of commit " + shortSHA(sr.Commit)
	}
	return s
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// checkShards fails unless the results are every shard of one run, each
// once: the same number of shards, commit, plan (partition and settings)
// and path; one result per share. It names every result that does not
// belong, is there twice or is missing; the results are sorted by share.
func checkShards(results []*shardResult, input string) error {
	// The run most results are of is the one being merged; the first
	// read wins a tie.
	count := map[string]int{}
	ref := results[0]
	for _, sr := range results {
		count[sr.run()]++
		if count[sr.run()] > count[ref.run()] {
			ref = sr
		}
	}
	var problems []string
	var ours []*shardResult
	for _, sr := range results {
		if sr.run() == ref.run() {
			ours = append(ours, sr)
			continue
		}
		var why []string
		if sr.Shard.Total != ref.Shard.Total {
			why = append(why, fmt.Sprintf("is one of %d shards, not %d", sr.Shard.Total, ref.Shard.Total))
		}
		if sr.Commit != ref.Commit {
			why = append(why, fmt.Sprintf("checked commit %q, not %q", shortSHA(sr.Commit), shortSHA(ref.Commit)))
		}
		if sr.Path != ref.Path {
			why = append(why, fmt.Sprintf("checked path %q, not %q", sr.Path, ref.Path))
		}
		if len(why) == 0 && sr.Plan != ref.Plan {
			why = append(why, "partitioned another tree or ran with other settings (rules, environments, kubernetes-version, crds)")
		}
		problems = append(problems, fmt.Sprintf("%q is %s, which %s", sr.file, sr.describe(), strings.Join(why, " and ")))
	}
	byIndex := map[int][]string{}
	for _, sr := range ours {
		byIndex[sr.Shard.Index] = append(byIndex[sr.Shard.Index], strconv.Quote(sr.file))
	}
	var missing []string
	for i := 1; i <= ref.Shard.Total; i++ {
		switch files := byIndex[i]; {
		case len(files) == 0:
			missing = append(missing, strconv.Itoa(i))
		case len(files) > 1:
			problems = append(problems, fmt.Sprintf("shard %d of %d is there %d times (%s): give each shard's result once", i, ref.Shard.Total, len(files), strings.Join(files, ", ")))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%s of %d %s missing: %s did not upload %s (found %s)",
			plural(len(missing), "shard "+missing[0], "shards "+joinAnd(missing)), ref.Shard.Total, plural(len(missing), "is", "are"),
			plural(len(missing), "its job failed or", "their jobs failed or"), plural(len(missing), "its result", "their results"), foundList(byIndex)))
	}
	if len(problems) > 0 {
		return cli.Failedf("input \"merge-results\" (%s) is not every shard of one run, so no result is reported: %s", input, strings.Join(problems, "; "))
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Shard.Index < results[j].Shard.Index })
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinAnd(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// foundList names the shares present.
func foundList(byIndex map[int][]string) string {
	var found []string
	for _, i := range slices.Sorted(func(yield func(int) bool) {
		for i := range byIndex {
			if !yield(i) {
				return
			}
		}
	}) {
		found = append(found, strconv.Itoa(i))
	}
	if len(found) == 0 {
		return "none"
	}
	return joinAnd(found)
}

// mergeLine says, for the step summary, what the merge put together.
func mergeLine(results []*shardResult) string {
	s := fmt.Sprintf("Merged from %d shards", len(results))
	if c := results[0].Commit; c != "" {
		s += " of commit " + shortSHA(c)
	}
	units := map[string]int{}
	for _, sr := range results {
		if sr.Share != nil {
			for k, n := range sr.Share.Units {
				units[k] += n
			}
		}
	}
	if len(units) > 0 {
		s += ", which checked " + unitsPhrase(units) + " between them"
	}
	return s + ": the findings and counts are those of the whole repository."
}

// mergedDiff puts the shares' parts of the diff preview together: nil
// when the shards compared with no base. Every shard must carry a part
// when one does, and each environment is in one part.
func mergedDiff(results []*shardResult) (*diffpreview.Preview, string, error) {
	var with, without []string
	for _, sr := range results {
		if sr.Diff != nil {
			with = append(with, sr.describe())
		} else {
			without = append(without, sr.describe())
		}
	}
	if len(with) == 0 {
		return nil, "", nil
	}
	if len(without) > 0 {
		return nil, "", cli.Failedf("input \"merge-results\": %s carry a part of the diff preview and %s none: give every shard job the same diff-base", joinAnd(with), joinAnd(without))
	}
	pv := &diffpreview.Preview{}
	by := map[string]string{}
	label := results[0].Diff.Base
	for _, sr := range results {
		if sr.Diff.Base != label {
			return nil, "", cli.Failedf("input \"merge-results\": %s compared with the base %q, %s with %q: give every shard job the same diff-base", results[0].describe(), label, sr.describe(), sr.Diff.Base)
		}
		for _, e := range sr.Diff.Preview.Environments {
			if other, dup := by[e.Name]; dup {
				return nil, "", cli.Failedf("input \"merge-results\": environment %q is in the diff of %s and of %s: the shards did not share the repository out alike", e.Name, other, sr.describe())
			}
			by[e.Name] = sr.describe()
			pv.Environments = append(pv.Environments, e)
		}
	}
	sort.Slice(pv.Environments, func(i, j int) bool { return pv.Environments[i].Name < pv.Environments[j].Name })
	return pv, label, nil
}
