package app

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}
	dirty := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "unknown"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.4.2"}, Settings: rev}, "v1.4.2"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201094700-0123456789ab"}}, "v0.0.0-20261201094700-0123456789ab"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "0123456789ab"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty}, "0123456789ab-dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "unknown"},
	}
	for _, tt := range tests {
		if got := versionOf(tt.bi); got != tt.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tt.bi, got, tt.want)
		}
	}
	defer func(v string) { Version = v }(Version)
	Version = "v9.9.9"
	if BuildVersion() != "v9.9.9" {
		t.Errorf("-X Version not honoured: %q", BuildVersion())
	}
	Version = ""
	if v := BuildVersion(); v == "" || v == "dev" {
		t.Errorf("BuildVersion() = %q", v)
	}
}
