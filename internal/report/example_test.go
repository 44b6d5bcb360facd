package report_test

import (
	"fmt"
	"os"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/report"
)

func ExampleNew() {
	rules := []finding.Rule{{ID: "image-tag-latest", Severity: finding.Error, Description: "An image uses :latest or no tag.", Default: true}}
	w, err := report.New("github", os.Stdout, rules, report.Options{ToolVersion: "1.0.0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	w.Write(finding.Finding{File: "apps/web.yaml", Line: 12, Column: 16, Severity: finding.Error, Rule: "image-tag-latest", Message: `image "nginx:latest", unpinned`})
	w.Write(finding.Finding{File: "apps/api.yaml", Line: 3, Severity: finding.Warning, Rule: "resources-missing", Message: "no limits"})
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ::warning file=apps/api.yaml,line=3,title=resources-missing::no limits
	// ::error file=apps/web.yaml,line=12,col=16,title=image-tag-latest::image "nginx:latest", unpinned
}

func ExampleSummary() {
	fs := []finding.Finding{{File: "apps/web.yaml", Line: 12, Column: 16, Severity: finding.Error, Rule: "image-tag-latest", Message: "uses latest", Environment: "staging"}}
	fmt.Print(report.Summary(fs, report.Stats{Files: 2, Resources: 3, ByEnvironment: map[string]int{"staging": 3}}))
	// Output:
	// ### verify-manifests
	//
	// ❌ 1 error, 0 warnings, 0 notices in 2 files, 3 resources.
	//
	// | rule | severity | findings |
	// | --- | --- | ---: |
	// | `image-tag-latest` | error | 1 |
	//
	// | environment | resources | errors | warnings | notices |
	// | --- | ---: | ---: | ---: | ---: |
	// | `staging` | 3 | 1 | 0 | 0 |
	//
	// | position | severity | rule | message |
	// | --- | --- | --- | --- |
	// | `apps/web.yaml:12:16` | error | `image-tag-latest` | uses latest |
}
