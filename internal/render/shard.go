package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/argoapp"
	"github.com/gitops-actions/gitops-actions/internal/helmrelease"
)

// A job matrix spreads one check over N runners: each renders only its
// share of the tree's render units, and a merge puts the shares' results
// together. The partition is a function of the tree alone (its file names
// and what its kustomizations and release objects say, read as written),
// so every runner computes the same one, however its walk was ordered.
//
// Units are first put into groups that must be checked together, because
// a rule compares them or because one renders the other's files:
//
//   - the environments of one application, recognised by the path of
//     their directory (apps/APP/overlays/ENV, environments/ENV/APP,
//     clusters/CLUSTER/APP, APP/ENV with a usual environment name) and by
//     the names of the Flux Kustomizations, HelmReleases and Argo CD
//     Applications that deploy them (web-staging and web-production are
//     one application);
//   - a unit and any other unit whose files it includes or renders (a
//     kustomization naming a file of another's directory, a release and
//     the chart directory it renders);
//   - every unit at or under a directory of the environments input, as
//     environment-drift compares each pair of them;
//   - the directories of plain manifests under one directory a Flux
//     Kustomization or an Argo CD Application applies as a whole, which
//     duplicate-resource judges as one.
//
// Groups are then dealt out largest first, each to the share with the
// least estimated work so far (ties to the lowest share). Every file of
// the tree has one owner share that checks it as a file (its syntax, its
// resources when no unit renders it): the share of the unit whose
// directory holds it, else of the first unit that reads it, else of its
// directory of plain manifests; a file outside all of these (a Component
// nothing uses, a CRD of the crds input) belongs to the first share.

// Shard is one share of a sharded check: Index of Total, counted from 1.
// The zero value, and 1 of 1, is the whole tree.
type Shard struct {
	Index, Total int
}

// ParseShard reads "I/N" (2/4): 1 ≤ I ≤ N, N at most 256.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%q is not I/N (this job's share and the number of shares, e.g. 2/4)", s)
	}
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	total, err2 := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("%q is not I/N (this job's share and the number of shares, e.g. 2/4)", s)
	case total < 1 || total > 256:
		return Shard{}, fmt.Errorf("%q: the number of shares must be between 1 and 256", s)
	case index < 1 || index > total:
		return Shard{}, fmt.Errorf("%q: the share must be between 1 and %d", s, total)
	}
	return Shard{Index: index, Total: total}, nil
}

// Sharded reports whether s is a part of the tree rather than all of it.
func (s Shard) Sharded() bool { return s.Total > 1 }

// String reads "2/4".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Total) }

// ID reads "shard-2-of-4", for names of files and report categories.
func (s Shard) ID() string { return fmt.Sprintf("shard-%d-of-%d", s.Index, s.Total) }

// Directory is a part of a partition that is a directory of plain
// manifests: its files (not those of its subdirectories) that no
// kustomization reads. It is never rendered as a unit; each file is
// checked as it is written.
const Directory Kind = "directory"

// Partition is a tree's render units dealt out to Total shares.
type Partition struct {
	Total int
	// Parts are the units dealt out, in name order of their directories:
	// kustomizations that no other includes, chart directories nothing
	// else renders, and directories of plain manifests.
	Parts []Part
	// Groups are the parts that must be checked together, in the order
	// of their first part.
	Groups []Group
	// Digest is a hash of the parts, their groups and shares: two runs
	// that partitioned the same tree the same way have the same digest.
	Digest string

	partByDir map[string]int // kustomization and chart parts by directory
	plainDir  map[string]int // directory parts by directory
	owner     map[string]int // file → owning share
	readBy    map[string][]int
	keys      map[string]int // application key → group, for environments the head lacks
	envPart   int            // a part of the environments input's group, -1 for none
}

// Part is one unit of a partition.
type Part struct {
	Kind Kind
	Dir  string
	// Cost estimates its work: the YAML files it reads, and for each
	// release it holds the files of the chart (ten for a remote one).
	Cost int
	// Group is its index in Partition.Groups; Shard the share (from 1)
	// that checks it.
	Group, Shard int
	// Releases counts the HelmReleases and Argo CD Applications and
	// ApplicationSets it holds, as written.
	Releases int

	reads []string // the files it reads, as far as the tree tells
}

// Group is parts that are checked together.
type Group struct {
	// Key names the group: its first part's directory.
	Key   string
	Parts []int
	Cost  int
	Shard int
}

// ShareStats is what one share of a partition holds.
type ShareStats struct {
	Shard Shard
	// Parts counts its parts by kind; Cost is their estimated work, and
	// TotalCost that of every share.
	Parts           map[Kind]int
	Groups          int
	Cost, TotalCost int
	// Largest is the key and cost of its largest group.
	Largest     string
	LargestCost int
}

// remoteChartCost is the estimated work of a release whose chart is not
// in the repository: about ten templates.
const remoteChartCost = 10

// Partition returns the partition of the tree into its Options.Shard's
// Total shares (one when unset), computed once.
func (t *Tree) Partition() *Partition {
	t.part.once.Do(func() {
		n := max(t.opts.Shard.Total, 1)
		t.part.p = t.partition(n)
	})
	return t.part.p
}

// partState is the tree's partition, made on first need.
type partState struct {
	once sync.Once
	p    *Partition
}

// sharing returns the partition and this tree's share when the tree is
// rendered in shares; nil otherwise.
func (t *Tree) sharing() *Partition {
	if !t.opts.Shard.Sharded() {
		return nil
	}
	return t.Partition()
}

// Mine reports whether the part in dir (a kustomization or chart
// directory, or a directory of plain manifests) is checked by the tree's
// share; without shares every one is.
func (t *Tree) mineDir(dir string) bool {
	p := t.sharing()
	if p == nil {
		return true
	}
	s, ok := p.ShardOfDir(dir)
	return ok && s == t.opts.Shard.Index
}

// OwnsFile reports whether the tree's share checks the file name as a
// file; without shares it does.
func (t *Tree) OwnsFile(name string) bool {
	p := t.sharing()
	return p == nil || p.Owner(name) == t.opts.Shard.Index
}

// ReadElsewhere reports whether a unit of another share reads the file,
// as far as the tree tells (what its kustomizations name, the charts its
// releases render): that file is rendered there, not checked as plain
// manifests here. Without shares it is false.
func (t *Tree) ReadElsewhere(name string) bool {
	p := t.sharing()
	if p == nil {
		return false
	}
	for _, i := range p.readBy[name] {
		if p.Parts[i].Shard != t.opts.Shard.Index {
			return true
		}
	}
	return false
}

// Shard is the share the tree is rendered for (zero when unset).
func (t *Tree) Shard() Shard { return t.opts.Shard }

// Owner returns the share (from 1) that checks the file name as a file.
func (p *Partition) Owner(name string) int {
	if s, ok := p.owner[name]; ok {
		return s
	}
	// An entry the walk did not list (a link, a FIFO): by where it is.
	if i, ok := p.holder(name); ok {
		return p.Parts[i].Shard
	}
	if i, ok := p.plainDir[path.Dir(name)]; ok {
		return p.Parts[i].Shard
	}
	return 1
}

// Read reports whether a unit of any share reads the file, as far as the
// tree tells.
func (p *Partition) Read(name string) bool { return len(p.readBy[name]) > 0 }

// ShardOfDir returns the share of the part in dir, if dir is one.
func (p *Partition) ShardOfDir(dir string) (int, bool) {
	if i, ok := p.partByDir[dir]; ok {
		return p.Parts[i].Shard, true
	}
	if i, ok := p.plainDir[dir]; ok {
		return p.Parts[i].Shard, true
	}
	return 0, false
}

// ShardOfEnvironment returns the share that compares the environment
// dir of the diff preview: the share of its part; for one the tree lacks
// (removed by the change) the share of the application it belongs to
// by its path, else the first share.
func (p *Partition) ShardOfEnvironment(dir string) int {
	if s, ok := p.ShardOfDir(dir); ok {
		return s
	}
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		if i, ok := p.partByDir[d]; ok {
			return p.Parts[i].Shard
		}
	}
	if g, ok := p.keys[appKey(dir)]; ok {
		return p.Groups[g].Shard
	}
	return 1
}

// EnvironmentsShard returns the share that checks the environments
// the tree's Options.Environments name, each compared with the others:
// the first share when they hold no unit.
func (p *Partition) EnvironmentsShard() int {
	if p.envPart < 0 {
		return 1
	}
	return p.Parts[p.envPart].Shard
}

// Stats says what share index holds.
func (p *Partition) Stats(index int) ShareStats {
	st := ShareStats{Shard: Shard{Index: index, Total: p.Total}, Parts: map[Kind]int{}}
	for _, g := range p.Groups {
		st.TotalCost += g.Cost
		if g.Shard != index {
			continue
		}
		st.Groups++
		st.Cost += g.Cost
		if g.Cost > st.LargestCost {
			st.Largest, st.LargestCost = g.Key, g.Cost
		}
		for _, i := range g.Parts {
			st.Parts[p.Parts[i].Kind]++
		}
	}
	return st
}

// partition makes the partition of the tree into n shares.
func (t *Tree) partition(n int) *Partition {
	p := &Partition{Total: n, partByDir: map[string]int{}, plainDir: map[string]int{}, owner: map[string]int{}, readBy: map[string][]int{}, keys: map[string]int{}}
	all := map[string]bool{}
	for _, f := range t.All {
		all[f] = true
	}
	written := t.scanWritten()
	reads := &staticReads{t: t, all: all, memo: map[string][]string{}, busy: map[string]bool{}}
	for _, d := range t.Tops(".") {
		p.add(Part{Kind: Kustomization, Dir: d, Cost: t.cost(d), reads: reads.kustomization(d)})
	}
	for _, u := range t.ChartUnits(".") {
		p.add(Part{Kind: HelmChart, Dir: u.Dir, Cost: u.Cost, reads: reads.chart(u.Dir)})
	}
	// Directories of plain manifests: the files no kustomization or
	// chart reads, outside every kustomization's and chart's directory.
	read := map[string]bool{}
	for _, part := range p.Parts {
		for _, f := range part.reads {
			read[f] = true
		}
	}
	plain := map[string][]string{}
	for _, f := range t.Files {
		if read[f] || t.inKustomizationOrChart(f) {
			continue
		}
		plain[path.Dir(f)] = append(plain[path.Dir(f)], f)
	}
	for _, d := range slices.Sorted(maps.Keys(plain)) {
		p.add(Part{Kind: Directory, Dir: d, Cost: len(plain[d]), reads: plain[d]})
	}
	// Each release a part renders adds its chart's work, and its chart's
	// files to what the part reads.
	for i := range p.Parts {
		part := &p.Parts[i]
		var charts []string
		for _, f := range part.reads {
			for _, r := range written.releases[f] {
				part.Releases++
				part.Cost += r.remote
				for _, c := range r.charts {
					part.Cost += len(t.filesAt(c))
					charts = append(charts, reads.chart(c)...)
				}
			}
		}
		part.reads = append(part.reads, charts...)
		slices.Sort(part.reads)
		part.reads = slices.Compact(part.reads)
	}
	for _, i := range p.sortedParts() {
		for _, f := range p.Parts[i].reads {
			p.readBy[f] = append(p.readBy[f], i)
		}
	}
	p.group(t, written)
	p.deal()
	p.owners(t)
	p.digest()
	return p
}

// add appends a part, indexed by its directory.
func (p *Partition) add(part Part) {
	i := len(p.Parts)
	p.Parts = append(p.Parts, part)
	if part.Kind == Directory {
		p.plainDir[part.Dir] = i
	} else {
		p.partByDir[part.Dir] = i
	}
}

// sortedParts returns the indexes of the parts in order of directory.
func (p *Partition) sortedParts() []int {
	idx := make([]int, len(p.Parts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(p.Parts[a].Dir, p.Parts[b].Dir) })
	return idx
}

// inKustomizationOrChart reports whether a file lies at or under a
// kustomization's directory or a chart's: a GitOps tool builds that, and
// deploys nothing else from there.
func (t *Tree) inKustomizationOrChart(f string) bool {
	for d := path.Dir(f); ; d = path.Dir(d) {
		if t.charts[d] || t.isKustomizationDir(d) {
			return true
		}
		if d == "." || d == "/" {
			return false
		}
	}
}

// isKustomizationDir reports whether dir holds a kustomization the walk
// found.
func (t *Tree) isKustomizationDir(dir string) bool {
	t.kdirsOnce.Do(func() {
		t.kdirs = map[string]bool{}
		for _, d := range t.Kustomizations {
			t.kdirs[d] = true
		}
	})
	return t.kdirs[dir]
}

// group puts the parts into groups (see the comment at the top).
func (p *Partition) group(t *Tree, w *written) {
	uf := newUnionFind(len(p.Parts))
	order := p.sortedParts()
	// One application's environments, by path.
	byKey := map[string]int{}
	for _, i := range order {
		k := appKey(p.Parts[i].Dir)
		if j, ok := byKey[k]; ok {
			uf.union(i, j)
		} else {
			byKey[k] = i
		}
	}
	// A part that reads another's files.
	for _, i := range order {
		for _, f := range p.Parts[i].reads {
			if j, ok := p.holder(f); ok && j != i {
				uf.union(i, j)
			}
		}
	}
	// One application's releases and Flux Kustomizations, by name; a
	// release and the chart directory it renders.
	byName := map[string]int{}
	for _, i := range order {
		for _, f := range p.Parts[i].reads {
			for _, r := range w.releases[f] {
				for _, c := range r.charts {
					if j, ok := p.partByDir[c]; ok {
						uf.union(i, j)
					}
				}
			}
		}
		for _, c := range p.releasedCharts(t, i) {
			uf.union(i, c)
		}
		for _, f := range p.Parts[i].ownFiles() {
			for _, r := range w.releases[f] {
				p.unionByName(uf, byName, r.kind+"\x00"+appName(r.name), i)
			}
		}
	}
	for _, k := range w.kustomizations {
		for _, i := range p.partsAt(k.path, true) {
			p.unionByName(uf, byName, "Kustomization\x00"+appName(k.name), i)
		}
	}
	// What the environments input compares, and what Flux or Argo CD
	// applies as one directory.
	var envParts []int
	for _, e := range t.opts.Environments {
		envParts = append(envParts, p.partsAt(path.Clean(e), true)...)
		for d := path.Clean(e); d != "." && d != "/"; d = path.Dir(d) {
			if i, ok := p.partByDir[d]; ok {
				envParts = append(envParts, i)
			}
		}
	}
	for _, i := range envParts {
		uf.union(envParts[0], i)
	}
	p.envPart = -1
	if len(envParts) > 0 {
		p.envPart = envParts[0]
	}
	for _, a := range w.applied {
		var plain []int
		for _, i := range p.partsAt(a.Dir, a.Recursive) {
			if p.Parts[i].Kind == Directory {
				plain = append(plain, i)
			}
		}
		for _, i := range plain {
			uf.union(plain[0], i)
		}
	}
	groupOf := map[int]int{}
	for _, i := range order {
		r := uf.find(i)
		g, ok := groupOf[r]
		if !ok {
			g = len(p.Groups)
			groupOf[r] = g
			p.Groups = append(p.Groups, Group{Key: p.Parts[i].Dir})
		}
		p.Parts[i].Group = g
		p.Groups[g].Parts = append(p.Groups[g].Parts, i)
		p.Groups[g].Cost += p.Parts[i].Cost
		if _, ok := p.keys[appKey(p.Parts[i].Dir)]; !ok {
			p.keys[appKey(p.Parts[i].Dir)] = g
		}
	}
}

// releasedCharts returns the chart parts that the releases a part i
// renders from a chart's templates may render in turn (an app of apps: a
// chart whose templates write Argo CD Applications or Flux HelmReleases):
// those whose directory the chart's templates or values name.
func (p *Partition) releasedCharts(t *Tree, i int) []int {
	part := p.Parts[i]
	var text [][]byte
	releases := false
	for _, f := range part.reads {
		if !inChartDir(f, t.charts) || path.Base(f) == "Chart.yaml" {
			continue
		}
		data, err := fs.ReadFile(t.fsys, f)
		if err != nil {
			continue
		}
		if inChartTemplates(f, t.charts) && (bytes.Contains(data, []byte("argoproj.io")) || bytes.Contains(data, []byte("helm.toolkit.fluxcd.io"))) {
			releases = true
		}
		text = append(text, data)
	}
	if !releases {
		return nil
	}
	var out []int
	for j, c := range p.Parts {
		if c.Kind != HelmChart || j == i {
			continue
		}
		for _, b := range text {
			if namesPath(b, c.Dir) {
				out = append(out, j)
				break
			}
		}
	}
	return out
}

// inChartDir reports whether name lies in a chart's directory.
func inChartDir(name string, charts map[string]bool) bool {
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		if charts[d] {
			return true
		}
	}
	return false
}

// namesPath reports whether text names dir as a path of its own, not as
// a part of a longer name (web in webhook).
func namesPath(text []byte, dir string) bool {
	word := func(c byte) bool {
		return c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	d := []byte(dir)
	for off := 0; ; {
		k := bytes.Index(text[off:], d)
		if k < 0 {
			return false
		}
		at := off + k
		end := at + len(d)
		if (at == 0 || !word(text[at-1])) && (end == len(text) || !word(text[end])) {
			return true
		}
		off = at + 1
	}
}

// unionByName joins part i with the first part that holds something of
// the same name key; a name that is only an environment's joins nothing.
func (p *Partition) unionByName(uf *unionFind, byName map[string]int, key string, i int) {
	if strings.HasSuffix(key, "\x00") {
		return
	}
	if j, ok := byName[key]; ok {
		uf.union(i, j)
	} else {
		byName[key] = i
	}
}

// holder returns the kustomization or chart part whose directory holds
// the file f (the deepest), if any.
func (p *Partition) holder(f string) (int, bool) {
	for d := path.Dir(f); ; d = path.Dir(d) {
		if i, ok := p.partByDir[d]; ok {
			return i, true
		}
		if d == "." || d == "/" {
			return 0, false
		}
	}
}

// partsAt returns the parts at dir and, when deep, under it.
func (p *Partition) partsAt(dir string, deep bool) []int {
	var out []int
	for i, part := range p.Parts {
		if part.Dir == dir || deep && within(part.Dir, dir) {
			out = append(out, i)
		}
	}
	return out
}

// within reports whether name is dir or lies under it.
func within(name, dir string) bool {
	return dir == "." || name == dir || strings.HasPrefix(name, dir+"/")
}

// ownFiles are the files of a part that say which application it
// deploys: those of its own directory that it renders (not a base or a
// component it shares with other applications' units), none of a chart's
// (its templates render what they render).
func (part *Part) ownFiles() []string {
	if part.Kind == HelmChart {
		return nil
	}
	var out []string
	for _, f := range part.reads {
		if within(f, part.Dir) {
			out = append(out, f)
		}
	}
	return out
}

// deal gives each group a share: the largest groups first, each to the
// share with the least work so far (the lowest of equals).
func (p *Partition) deal() {
	order := make([]int, len(p.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := p.Groups[b].Cost - p.Groups[a].Cost; c != 0 {
			return c
		}
		return strings.Compare(p.Groups[a].Key, p.Groups[b].Key)
	})
	load := make([]int, p.Total)
	for _, g := range order {
		best := 0
		for s := 1; s < p.Total; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += p.Groups[g].Cost
		p.Groups[g].Shard = best + 1
		for _, i := range p.Groups[g].Parts {
			p.Parts[i].Shard = best + 1
		}
	}
}

// owners decides the share that checks each file of the tree as a file.
func (p *Partition) owners(t *Tree) {
	for _, f := range t.All {
		if i, ok := p.holder(f); ok {
			p.owner[f] = p.Parts[i].Shard
			continue
		}
		if rs := p.readBy[f]; len(rs) > 0 {
			first := rs[0]
			for _, i := range rs {
				if p.Parts[i].Dir < p.Parts[first].Dir {
					first = i
				}
			}
			p.owner[f] = p.Parts[first].Shard
			continue
		}
		if i, ok := p.plainDir[path.Dir(f)]; ok {
			p.owner[f] = p.Parts[i].Shard
			continue
		}
		p.owner[f] = 1
	}
}

// digest hashes the parts and their shares.
func (p *Partition) digest() {
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", p.Total)
	for _, i := range p.sortedParts() {
		part := p.Parts[i]
		fmt.Fprintf(h, "%s\x00%q\x00%d\x00%d\n", part.Kind, part.Dir, part.Cost, part.Shard)
	}
	p.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// staticReads finds what a unit reads from what its files say, without
// rendering it: the files a kustomization names (resources, bases,
// components, patches, generator sources, replacements, CRDs, the charts
// and values of its helmCharts) and what those name in turn, and a
// chart's files with those of its file:// dependencies.
type staticReads struct {
	t    *Tree
	all  map[string]bool
	memo map[string][]string
	busy map[string]bool
}

// kustomization returns what the kustomization in dir reads.
func (s *staticReads) kustomization(dir string) []string {
	if out, ok := s.memo[dir]; ok {
		return out
	}
	if s.busy[dir] {
		return nil // a cycle: kustomize refuses it
	}
	s.busy[dir] = true
	defer delete(s.busy, dir)
	var out []string
	kfile := ""
	for _, n := range kustomizationNames {
		if f := path.Join(dir, n); s.all[f] {
			kfile = f
			break
		}
	}
	if kfile == "" {
		s.memo[dir] = nil
		return nil
	}
	out = append(out, kfile)
	data, err := fs.ReadFile(s.t.fsys, kfile)
	var k map[string]any
	if err == nil && yaml.Unmarshal(data, &k) == nil {
		for _, e := range kustomizationPaths(k) {
			if strings.Contains(e, "://") || strings.HasPrefix(e, "git@") || strings.HasPrefix(e, "github.com/") {
				continue // remote: not fetched
			}
			p := path.Clean(path.Join(dir, e))
			switch {
			case s.all[p]:
				out = append(out, p)
			case s.t.isKustomizationDir(p):
				out = append(out, s.kustomization(p)...)
			}
		}
		for _, e := range s.t.helmChartEntries(dir) {
			if e.Repo == "" || s.t.charts[e.chartDir()] {
				out = append(out, s.chart(e.chartDir())...)
			}
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	s.memo[dir] = out
	return out
}

// chart returns the files of the chart in dir and of its file://
// dependencies.
func (s *staticReads) chart(dir string) []string {
	key := "chart\x00" + dir
	if out, ok := s.memo[key]; ok {
		return out
	}
	if s.busy[key] {
		return nil
	}
	s.busy[key] = true
	defer delete(s.busy, key)
	out := slices.Clone(s.t.filesAt(dir))
	for _, d := range FileDependencies(s.t.fsys, dir) {
		out = append(out, s.chart(d)...)
	}
	s.memo[key] = out
	return out
}

// kustomizationPaths lists the paths a kustomization names, relative to
// its directory: what it includes and every file it reads.
func kustomizationPaths(k map[string]any) []string {
	var out []string
	str := func(v any) {
		if s, ok := v.(string); ok && s != "" && !strings.ContainsAny(s, "\n") {
			out = append(out, s)
		}
	}
	strs := func(v any) {
		list, _ := v.([]any)
		for _, e := range list {
			str(e)
		}
	}
	for _, f := range []string{"resources", "bases", "components", "crds", "configurations", "generators", "transformers", "validators", "patchesStrategicMerge"} {
		strs(k[f])
	}
	for _, f := range []string{"patches", "patchesJson6902", "replacements"} {
		list, _ := k[f].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				str(m["path"])
			}
		}
	}
	for _, f := range []string{"configMapGenerator", "secretGenerator"} {
		list, _ := k[f].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			files, _ := m["files"].([]any)
			for _, f := range files {
				if s, ok := f.(string); ok {
					if _, v, ok := strings.Cut(s, "="); ok {
						s = v
					}
					str(s)
				}
			}
			strs(m["envs"])
			str(m["env"])
		}
	}
	if m, ok := k["openapi"].(map[string]any); ok {
		str(m["path"])
	}
	list, _ := k["helmCharts"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		str(m["valuesFile"])
		strs(m["additionalValuesFiles"])
	}
	return out
}

// written is what the repository's files say, as written, of what
// deploys its applications: the releases of each file, the Flux
// Kustomizations, and the directories applied as a whole.
type written struct {
	releases       map[string][]writtenRelease
	kustomizations []writtenKustomization
	applied        []AppliedDir
}

type writtenRelease struct {
	kind, name string
	// charts are the chart directories of the tree it may render: an
	// ApplicationSet's those its generators' and template's paths match.
	charts []string
	// remote estimates the work of what it renders from elsewhere: a
	// remote chart (remoteChartCost), a source not rendered (1).
	remote int
}

type writtenKustomization struct {
	name, path string
}

// AppliedDir is a directory a GitOps tool applies as a whole: a Flux
// Kustomization's spec.path (with what lies under it), an Argo CD
// Application's source path (with what lies under it when it recurses).
type AppliedDir struct {
	Dir       string
	Recursive bool
}

// AppliedDirs returns the directories obj applies as a whole, when it is
// a Flux Kustomization or an Argo CD Application; a path holding a
// variable is left out.
func AppliedDirs(obj map[string]any) []AppliedDir {
	var out []AppliedDir
	add := func(v any, recursive bool) {
		p, _ := v.(string)
		p = strings.TrimSpace(p)
		if p == "" || strings.Contains(p, "${") {
			return
		}
		out = append(out, AppliedDir{Dir: path.Clean(strings.TrimPrefix(p, "./")), Recursive: recursive})
	}
	a, _, _, _ := Meta(obj)
	spec, _ := obj["spec"].(map[string]any)
	switch group, _, _ := strings.Cut(a, "/"); group {
	case "kustomize.toolkit.fluxcd.io":
		add(spec["path"], true)
	case "argoproj.io":
		recurse := func(s any) bool {
			m, _ := s.(map[string]any)
			d, _ := m["directory"].(map[string]any)
			r, _ := d["recurse"].(bool)
			return r
		}
		if s, ok := spec["source"].(map[string]any); ok {
			add(s["path"], recurse(s))
		}
		list, _ := spec["sources"].([]any)
		for _, s := range list {
			if m, ok := s.(map[string]any); ok {
				add(m["path"], recurse(m))
			}
		}
	}
	return out
}

// ScanDocuments calls f with each document of the tree's files (All)
// that holds an object and whose text passes screen: a file or document
// the screen refuses is not parsed. Templates are not read.
func (t *Tree) ScanDocuments(screen func([]byte) bool, f func(*Document)) {
	t.eachDocIn(t.All, screen, f)
}

// Applied lists the directories the repository's Flux Kustomizations and
// Argo CD Applications apply as a whole, as written in its files.
func (t *Tree) Applied() []AppliedDir { return t.scanWritten().applied }

// scanWritten reads, once, the objects of the tree's files that deploy
// applications: only the files that name their API groups are parsed.
func (t *Tree) scanWritten() *written {
	t.writtenOnce.Do(func() {
		w := &written{releases: map[string][]writtenRelease{}}
		screen := func(b []byte) bool {
			return bytes.Contains(b, []byte("helm.toolkit.fluxcd.io")) || bytes.Contains(b, []byte("argoproj.io")) || bytes.Contains(b, []byte("kustomize.toolkit.fluxcd.io")) ||
				bytes.Contains(b, []byte("source.toolkit.fluxcd.io")) && bytes.Contains(b, []byte("HelmChart"))
		}
		helmCharts := map[string]string{} // a HelmChart's name → its chart directory
		type pending struct{ file, name, helmChart string }
		var refs []pending
		t.eachDocIn(t.All, screen, func(d *Document) {
			obj := d.Obj
			a, kind, _, name := Meta(obj)
			spec, _ := obj["spec"].(map[string]any)
			switch {
			case helmrelease.IsHelmRelease(obj):
				if ref, _ := spec["chartRef"].(map[string]any); ref["kind"] == "HelmChart" {
					n, _ := ref["name"].(string)
					refs = append(refs, pending{d.File, name, n})
					break
				}
				r := writtenRelease{kind: kind, name: name, remote: remoteChartCost}
				cs, _ := dig(spec, "chart", "spec").(map[string]any)
				if c := t.gitChart(cs); c != "" {
					r.charts, r.remote = []string{c}, 0
				}
				w.releases[d.File] = append(w.releases[d.File], r)
			case kind == "HelmChart" && strings.HasPrefix(a, "source.toolkit.fluxcd.io/"):
				if c := t.gitChart(spec); c != "" {
					helmCharts[name] = c
				}
			case argoapp.IsApplication(obj):
				r := writtenRelease{kind: kind, name: name, remote: 1}
				for _, a := range AppliedDirs(obj) {
					if t.charts[a.Dir] {
						r.charts = append(r.charts, a.Dir)
					}
				}
				if remoteHelmSource(spec) {
					r.remote = remoteChartCost
				}
				w.releases[d.File] = append(w.releases[d.File], r)
			case argoapp.IsApplicationSet(obj):
				w.releases[d.File] = append(w.releases[d.File], writtenRelease{kind: kind, name: name, charts: t.chartsMatching(obj), remote: 1})
			case isFluxKustomization(obj):
				for _, a := range AppliedDirs(obj) {
					w.kustomizations = append(w.kustomizations, writtenKustomization{name: name, path: a.Dir})
				}
			}
			if !argoapp.IsApplicationSet(obj) {
				w.applied = append(w.applied, AppliedDirs(obj)...)
			}
		})
		for _, r := range refs {
			rel := writtenRelease{kind: "HelmRelease", name: r.name, remote: remoteChartCost}
			if c, ok := helmCharts[r.helmChart]; ok {
				rel.charts, rel.remote = []string{c}, 0
			}
			w.releases[r.file] = append(w.releases[r.file], rel)
		}
		t.written = w
	})
	return t.written
}

// remoteHelmSource reports whether an Argo CD Application's spec names
// a chart of a Helm repository (a source with chart:).
func remoteHelmSource(spec map[string]any) bool {
	if c, _ := dig(spec, "source", "chart").(string); c != "" {
		return true
	}
	list, _ := spec["sources"].([]any)
	for _, s := range list {
		if c, _ := dig(s, "chart").(string); c != "" {
			return true
		}
	}
	return false
}

// gitChart is the chart directory of the tree a chart template names by
// path (chart: ./charts/web, from a GitRepository), or "".
func (t *Tree) gitChart(spec map[string]any) string {
	name, _ := spec["chart"].(string)
	sr, _ := spec["sourceRef"].(map[string]any)
	if kind, _ := sr["kind"].(string); kind != "GitRepository" || name == "" {
		return ""
	}
	if d := path.Clean(strings.TrimPrefix(name, "./")); t.charts[d] {
		return d
	}
	return ""
}

// chartsMatching returns the chart directories of the tree that a path of
// an ApplicationSet may name: its git generator's directories and its
// template's source paths, each {{ }} standing for anything.
func (t *Tree) chartsMatching(obj map[string]any) []string {
	var globs []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, k)
			}
		case []any:
			for _, e := range x {
				walk(e, key)
			}
		case string:
			if key == "path" {
				globs = append(globs, strings.TrimPrefix(templateGlob(x), "./"))
			}
		}
	}
	walk(obj["spec"], "")
	var out []string
	for d := range t.charts {
		for _, g := range globs {
			if ok, _ := path.Match(g, d); ok || g == d {
				out = append(out, d)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// templateGlob turns each {{ ... }} of an ApplicationSet's template into *.
func templateGlob(s string) string {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return s
		}
		s = s[:i] + "*" + s[i+j+2:]
	}
}

// dig follows keys into nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// unionFind joins parts into groups.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	uf := &unionFind{parent: make([]int, n)}
	for i := range uf.parent {
		uf.parent[i] = i
	}
	return uf
}

func (uf *unionFind) find(i int) int {
	for uf.parent[i] != i {
		uf.parent[i] = uf.parent[uf.parent[i]]
		i = uf.parent[i]
	}
	return i
}

// union joins the groups of a and b; the smaller index stays the root,
// so that the result does not depend on the order of the unions.
func (uf *unionFind) union(a, b int) {
	ra, rb := uf.find(a), uf.find(b)
	switch {
	case ra < rb:
		uf.parent[rb] = ra
	case rb < ra:
		uf.parent[ra] = rb
	}
}
