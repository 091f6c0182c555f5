package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/platform"
)

// flattenYAML reads the block-style YAML of template.yaml into
// "Key.Sub.Key" → value. It knows what the template uses: mappings, scalars,
// flow lists kept as text, and folded scalars (skipped).
func flattenYAML(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	type level struct {
		indent int
		key    string
	}
	var stack []level
	skipAbove := -1 // inside a folded scalar: skip lines indented more than this
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if skipAbove >= 0 {
			if trimmed == "" || indent > skipAbove {
				continue
			}
			skipAbove = -1
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			t.Fatalf("template.yaml: cannot read %q", line)
		}
		value = strings.TrimSpace(value)
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, level{indent, key})
		names := make([]string, len(stack))
		for i, l := range stack {
			names[i] = l.key
		}
		full := strings.Join(names, ".")
		switch value {
		case ">-", ">", "|", "|-":
			skipAbove = indent
			out[full] = "(folded)"
		default:
			out[full] = strings.Trim(value, `"`)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTemplateMatchesCode checks template.yaml against the code: the
// function is this package built as bootstrap for provided.al2023, the
// function URL's invoke mode and LAMBDA_INVOKE_MODE come from one
// parameter whose values platform.Detect accepts, every credential is set
// from a NoEcho parameter, and the URL is an output.
func TestTemplateMatchesCode(t *testing.T) {
	y := flattenYAML(t, "../../template.yaml")
	fn := "Resources.FileToLinkFunction"
	want := map[string]string{
		fn + ".Type":                                                "AWS::Serverless::Function",
		fn + ".Metadata.BuildMethod":                                "go1.x",
		fn + ".Properties.Handler":                                  "bootstrap",
		fn + ".Properties.Runtime":                                  "provided.al2023",
		fn + ".Properties.FunctionUrlConfig.AuthType":               "NONE",
		fn + ".Properties.FunctionUrlConfig.InvokeMode":             "!Ref InvokeMode",
		fn + ".Properties.Environment.Variables.LAMBDA_INVOKE_MODE": "!Ref InvokeMode",
		"Parameters.InvokeMode.Default":                             "RESPONSE_STREAM",
		"Outputs.FunctionUrl.Value":                                 "!GetAtt FileToLinkFunctionUrl.FunctionUrl",
	}
	for k, v := range want {
		if y[k] != v {
			t.Errorf("%s = %q, want %q", k, y[k], v)
		}
	}
	for _, k := range []string{fn + ".Properties.Timeout", fn + ".Properties.MemorySize"} {
		if y[k] == "" {
			t.Errorf("%s not set", k)
		}
	}

	if got := filepath.ToSlash(filepath.Clean(y[fn+".Properties.CodeUri"])); got != "functions/lambda" {
		t.Errorf("CodeUri %q is not this package (functions/lambda)", got)
	}

	modes := strings.Trim(y["Parameters.InvokeMode.AllowedValues"], "[]")
	names := map[string]string{"RESPONSE_STREAM": platform.NameLambdaStream, "BUFFERED": platform.NameLambdaBuffered}
	for _, m := range strings.Split(modes, ",") {
		m = strings.TrimSpace(m)
		cfg, err := config.Parse(func(k string) string {
			return map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "f", "LAMBDA_INVOKE_MODE": m}[k]
		}, config.Serve)
		if p := platform.Detect(cfg.Platform); err == nil || strings.Contains(err.Error(), "LAMBDA_INVOKE_MODE") || p.Name != names[m] {
			t.Errorf("invoke mode %q: platform.Detect = %+v, %v", m, p, err)
		}
	}

	env := fn + ".Properties.Environment.Variables."
	for _, name := range append(config.Required(config.Serve), "TG_SESSION", "REDIS_URL") {
		ref, ok := strings.CutPrefix(y[env+name], "!Ref ")
		if !ok {
			t.Errorf("%s is not set from a parameter: %q", name, y[env+name])
			continue
		}
		if y["Parameters."+ref+".NoEcho"] != "true" {
			t.Errorf("parameter %s (%s) is not NoEcho", ref, name)
		}
	}
}
