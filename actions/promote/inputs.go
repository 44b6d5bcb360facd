package promote

import (
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
)

// readPromotion reads and checks the inputs of promotion and rollback;
// every error is a usage error that names the input.
func readPromotion(v cli.Values) (promotionInputs, error) {
	var p promotionInputs
	var err error
	if p.From, err = dirInput(v, "from"); err != nil {
		return p, err
	}
	if p.To, err = dirInput(v, "to"); err != nil {
		return p, err
	}
	if p.FromBranch, err = branchInput(v, "from-branch"); err != nil {
		return p, err
	}
	if p.ToBranch, err = branchInput(v, "to-branch"); err != nil {
		return p, err
	}
	p.Rollback, p.RollbackTo = v.String("rollback"), v.String("rollback-to")
	if err := p.checkCombination(); err != nil {
		return p, err
	}
	switch mode := promotion.Mode(strings.ToLower(v.String("promotion"))); mode {
	case promotion.Images, promotion.Files:
		p.Mode = mode
	default:
		return p, cli.Usagef("input \"promotion\": %q is neither images nor files", v.String("promotion"))
	}
	p.Images, p.ExcludeImages, p.ExcludePaths = v.List("images"), v.List("exclude-images"), v.List("exclude-paths")
	for name, list := range map[string][]string{"images": p.Images, "exclude-images": p.ExcludeImages, "exclude-paths": p.ExcludePaths} {
		if err := promotion.CheckPatterns(list); err != nil {
			return p, cli.Usagef("input %q: %v", name, err)
		}
	}
	switch {
	case p.Mode == promotion.Files && len(p.Images)+len(p.ExcludeImages) > 0:
		return p, cli.Usagef("input \"images\" and \"exclude-images\" choose images, which promotion: files does not: it copies files (use exclude-paths)")
	case p.Mode == promotion.Images && len(p.ExcludePaths) > 0:
		return p, cli.Usagef("input \"exclude-paths\" applies to promotion: files; promotion: images moves image versions only (use exclude-images)")
	}
	if err := checkRollbackTarget(p.Rollback, p.RollbackTo); err != nil {
		return p, err
	}
	if p.Force, err = v.Bool("force"); err != nil {
		return p, err
	}
	p.Labels, p.Reviewers, p.TeamReviewers, p.Assignees = v.List("labels"), v.List("reviewers"), v.List("team-reviewers"), v.List("assignees")
	if p.Draft, err = v.Bool("draft"); err != nil {
		return p, err
	}
	p.AutoMerge = strings.ToLower(v.String("auto-merge"))
	switch p.AutoMerge {
	case "", "merge", "squash", "rebase":
	default:
		return p, cli.Usagef("input \"auto-merge\": %q is not merge, squash or rebase", p.AutoMerge)
	}
	if p.Gates, err = readGates(v, p); err != nil {
		return p, err
	}
	p.Deploy, err = readDeploy(v)
	return p, err
}

// checkCombination refuses inputs that do not make one thing to do.
func (p promotionInputs) checkCombination() error {
	rollback := p.Rollback != "" || p.RollbackTo != ""
	dirs := p.From != "" || p.To != ""
	branches := p.FromBranch != "" || p.ToBranch != ""
	switch {
	case dirs && branches && !rollback:
		return cli.Usagef("input \"from-branch\": set from and to (environment directories) or from-branch and to-branch (environment branches), not both")
	case rollback && branches:
		return cli.Usagef("input \"to-branch\": a rollback works on base (set base), and from-branch and to-branch are for promotion")
	case p.Rollback != "" && p.RollbackTo != "":
		return cli.Usagef("input \"rollback-to\": set rollback (revert one change) or rollback-to (go back to a tag), not both")
	case rollback && p.From != "":
		return cli.Usagef("input \"from\": a rollback names only the directory it rolls back (to); from is for promotion")
	case p.RollbackTo != "" && p.To == "":
		return cli.Usagef("input \"to\" is empty: rollback-to sets a directory back to its content at a tag; name it in to")
	case !rollback && p.From != "" && p.To == "":
		return cli.Usagef("input \"to\" is empty: from needs to, the directory to promote to")
	case !rollback && p.To != "" && p.From == "":
		return cli.Usagef("input \"from\" is empty: to needs from, the directory to promote from (or rollback, to roll to back)")
	case p.FromBranch != "" && p.ToBranch == "":
		return cli.Usagef("input \"to-branch\" is empty: from-branch needs to-branch, the branch to promote into")
	case p.ToBranch != "" && p.FromBranch == "":
		return cli.Usagef("input \"from-branch\" is empty: to-branch needs from-branch, the branch to promote from")
	case p.FromBranch != "" && p.FromBranch == p.ToBranch:
		return cli.Usagef("input \"to-branch\": %q is from-branch too; promote one branch into another", p.ToBranch)
	case p.From != "" && p.From == p.To:
		return cli.Usagef("input \"to\": %q is from too; promote one directory to another", p.To)
	case p.From != "" && (strings.HasPrefix(p.To+"/", p.From+"/") || strings.HasPrefix(p.From+"/", p.To+"/")):
		return cli.Usagef("input \"to\": %q and from %q are one inside the other; promote between sibling directories", p.To, p.From)
	}
	return nil
}

// dirInput reads a directory input: relative to the repository root,
// inside it, not the root itself, without control characters.
func dirInput(v cli.Values, name string) (string, error) {
	return cleanDir(name, v.String(name))
}

// cleanDir checks and cleans directory s of input name.
func cleanDir(name, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", cli.Usagef("input %q: %q holds a control character", name, s)
	}
	q := path.Clean(strings.ReplaceAll(s, "\\", "/"))
	switch {
	case path.IsAbs(q) || q == ".." || strings.HasPrefix(q, "../"):
		return "", cli.Usagef("input %q: %q is outside the repository; give a directory relative to its root, e.g. environments/production", name, s)
	case q == ".":
		return "", cli.Usagef("input %q: %q is the whole repository; give an environment's directory, e.g. environments/production", name, s)
	}
	return q, nil
}

// branchInput reads a branch input (refs/heads/ may be given).
func branchInput(v cli.Values, name string) (string, error) {
	b := strings.TrimPrefix(v.String(name), "refs/heads/")
	if b != "" && !forge.ValidBranchName(b) {
		return "", cli.Usagef("input %q: %q is not a valid branch name", name, b)
	}
	return b, nil
}

var (
	pullNumber = regexp.MustCompile(`^#?[0-9]{1,6}$`)
	commitSHA  = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)
)

// checkRollbackTarget checks the form of rollback and rollback-to before
// anything is asked of GitHub.
func checkRollbackTarget(rollback, to string) error {
	switch {
	case rollback == "", rollback == "last", pullNumber.MatchString(rollback), commitSHA.MatchString(rollback):
	case !forge.ValidBranchName(rollback) || strings.Contains(rollback, ".."):
		return cli.Usagef("input \"rollback\": %q is not a tag, a commit SHA, a pull request number (#12) or last", rollback)
	}
	if to != "" && !forge.ValidBranchName(to) {
		return cli.Usagef("input \"rollback-to\": %q is not a tag name", to)
	}
	return nil
}
