package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/config"
)

// cfnLint runs AWS's cfn-lint (with the real SAM transform) and the
// project's rules (.ci/cfnlint) on a template; it skips without cfn-lint,
// unless CI is set.
func cfnLint(t *testing.T, template string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("cfn-lint is not on PATH (CI is set): pip install cfn-lint")
		}
		t.Skip("cfn-lint is not on PATH: pip install cfn-lint")
	}
	rules, err := filepath.Abs("../../.ci/cfnlint")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--append-rules", rules, "--", template).CombinedOutput()
	return string(out), err
}

// TestTemplateLints: template.yaml passes cfn-lint, and templates broken on
// purpose fail it, each with the rule that names the break: the duplicate
// public invoke permission SAM generates itself, a MaxResponseBytes
// that takes 1.5, and a runtime Lambda does not have.
func TestTemplateLints(t *testing.T) {
	if testing.Short() {
		t.Skip("runs cfn-lint four times; skipped with -short")
	}
	if out, err := cfnLint(t, "../../template.yaml"); err != nil {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
	orig, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, old, new, rule string
	}{
		{"second InvokeFunction permission", "\nOutputs:", `
  ExtraInvokePermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref FileToLinkFunction
      Principal: "*"
      InvokedViaFunctionUrl: true

Outputs:`, "E9101"},
		{"MaxResponseBytes a Number", "", "", "E9102"},
		{"unknown runtime", "Runtime: provided.al2023", "Runtime: provided.al2099", "E"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			broken := string(orig)
			if tt.rule == "E9102" {
				// The parameter as it was: a Number takes 1.5 and 1e6.
				re := regexp.MustCompile(`(?s)\n  MaxResponseBytes:\n.*?\n    Description:`)
				if !re.MatchString(broken) {
					t.Fatal("template.yaml has no MaxResponseBytes parameter to break")
				}
				broken = re.ReplaceAllString(broken, "\n  MaxResponseBytes:\n    Type: Number\n    Default: 0\n    MinValue: 0\n    Description:")
			} else {
				if !strings.Contains(broken, tt.old) {
					t.Fatalf("template.yaml has no %q to break", tt.old)
				}
				broken = strings.Replace(broken, tt.old, tt.new, 1)
			}
			path := filepath.Join(t.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := cfnLint(t, path)
			if err == nil {
				t.Fatalf("cfn-lint passed a template with %s:\n%s", tt.name, broken)
			}
			if !regexp.MustCompile(`(?m)^` + tt.rule).MatchString(out) {
				t.Errorf("cfn-lint failed without rule %s:\n%s", tt.rule, out)
			}
		})
	}
}

// TestMaxResponseBytesParameter: the values the template's parameter lets
// through are the values package config takes as MAX_RESPONSE_BYTES, and 1.5, 1e6,
// -1 are refused at deploy time.
func TestMaxResponseBytesParameter(t *testing.T) {
	y := flattenYAML(t, "../../template.yaml")
	if y["Parameters.MaxResponseBytes.Type"] != "String" {
		t.Fatalf("MaxResponseBytes is Type %q: a Number also takes 1.5", y["Parameters.MaxResponseBytes.Type"])
	}
	pattern := regexp.MustCompile(y["Parameters.MaxResponseBytes.AllowedPattern"])
	for _, v := range []string{"0", "1024", "4669440", "199933952", y["Parameters.MaxResponseBytes.Default"], "1.5", "1e6", "-1", "", "0x10"} {
		_, err := config.Parse(func(k string) string {
			return map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "f", "MAX_RESPONSE_BYTES": v}[k]
		}, config.Serve)
		refused := err != nil && strings.Contains(err.Error(), "MAX_RESPONSE_BYTES")
		allowed := pattern.MatchString(v)
		if allowed && refused {
			t.Errorf("%q: the template takes it, package config refuses it: %v", v, err)
		}
		if !allowed && !refused && v != "" {
			t.Errorf("%q: package config takes it, the template refuses it", v)
		}
		if allowed != regexp.MustCompile(`^[0-9]+$`).MatchString(v) {
			t.Errorf("%q: allowed %v, want digits only", v, allowed)
		}
	}
}
