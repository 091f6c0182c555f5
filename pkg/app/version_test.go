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

// TestExecutableBuildID: the test binary is an ELF file with a Go build
// ID, which is what a build without VCS stamping shows.
func TestExecutableBuildID(t *testing.T) {
	id := executableBuildID()
	if len(id) != 12 {
		t.Fatalf("executableBuildID() = %q, want 12 characters", id)
	}
	for _, tt := range []struct {
		note []byte
		want string
	}{
		{nil, ""},
		{[]byte("short"), ""},
		{append([]byte{4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 'G', 'o', 0, 0}, "abc/def"...), "def"},
		{append([]byte{4, 0, 0, 0, 99, 0, 0, 0, 4, 0, 0, 0, 'G', 'o', 0, 0}, "abc/def"...), ""},
		{append([]byte{4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 'X', 'o', 0, 0}, "abc/def"...), ""},
		{append([]byte{4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 'G', 'o', 0, 0}, "abc/d<f"...), ""},
	} {
		if got := buildIDOfNote(tt.note); got != tt.want {
			t.Errorf("buildIDOfNote(%q) = %q, want %q", tt.note, got, tt.want)
		}
	}
}
