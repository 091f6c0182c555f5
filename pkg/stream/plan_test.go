package stream

import (
	"fmt"
	"strings"
	"testing"
)

func TestPlanParts(t *testing.T) {
	const MiB = partSize
	tests := []struct {
		name        string
		first, last int64
		want        []part
	}{
		{"first byte", 0, 0, []part{{0, 1024, 0, 1}}},
		{"across a KiB", 1023, 1025, []part{{0, 2048, 1023, 3}}},
		{"across a MiB", MiB - 1, MiB + 1, []part{{MiB - 1024, 1024, 1023, 1}, {MiB, 1024, 0, 2}}},
		{"whole MiB", 0, MiB - 1, []part{{0, MiB, 0, MiB}}},
		{"two and a bit", 10, 2*MiB + 5, []part{{0, MiB, 10, MiB - 10}, {MiB, MiB, 0, MiB}, {2 * MiB, 1024, 0, 6}}},
		{"unaligned end in a block", 5000, 9000, []part{{4096, 5120, 904, 4001}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planParts(tt.first, tt.last)
			if len(got) != len(tt.want) {
				t.Fatalf("planParts(%d, %d) = %+v, want %+v", tt.first, tt.last, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("part %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestPlanPartsRejectsBadRange(t *testing.T) {
	for _, r := range [][2]int64{{-1, 5}, {5, 4}} {
		if got := planParts(r[0], r[1]); got != nil {
			t.Errorf("planParts(%d, %d) = %v, want nil", r[0], r[1], got)
		}
	}
}

// FuzzPlanParts proves the planner never breaks the getFile rules, covers
// exactly first..last, and over-fetches under 1 KiB at each end.
func FuzzPlanParts(f *testing.F) {
	for _, seed := range [][2]int64{{0, 0}, {1023, 1025}, {partSize - 1, partSize + 1}, {0, 4 << 30}, {123456789, 987654321}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, first, last int64) {
		if first < 0 || last < first || last-first > 64*partSize || last > 1<<42 {
			return
		}
		checkPlan(t, planParts(first, last), first, last)
		checkPlan(t, spreadPlan(planParts(first, last), int(first%9), int(last%33)), first, last)
	})
}

// checkPlan fails t unless parts obey the getFile rules, follow one
// another, cover exactly first..last, and over-fetch under 1 KiB at each
// end.
func checkPlan(t *testing.T, parts []part, first, last int64) {
	t.Helper()
	if len(parts) == 0 {
		t.Fatal("no parts")
	}
	pos := first
	for i, p := range parts {
		if !validPart(p) {
			t.Fatalf("part %d %+v breaks the getFile rules", i, p)
		}
		if i > 0 && p.Offset != parts[i-1].Offset+parts[i-1].Limit {
			t.Fatalf("part %d does not follow the previous one", i)
		}
		if p.Offset+p.Skip != pos || p.Take <= 0 || p.Skip+p.Take > p.Limit {
			t.Fatalf("part %d %+v does not continue at %d", i, p, pos)
		}
		pos += p.Take
	}
	if pos != last+1 {
		t.Fatalf("covered up to %d, want %d", pos, last+1)
	}
	if over := first - parts[0].Offset; over >= partAlign {
		t.Fatalf("over-fetch at the start: %d", over)
	}
	lp := parts[len(parts)-1]
	if over := lp.Offset + lp.Limit - (last + 1); over >= partAlign {
		t.Fatalf("over-fetch at the end: %d", over)
	}
}

// TestSpreadPlan: a stream over several idle accounts sends its first
// window as one call per account and, in a read long enough for its
// window, halves its last two parts per account; small files and one
// account keep whole parts.
func TestSpreadPlan(t *testing.T) {
	const MiB = partSize
	// sizes lists the calls' limits of a plan, run-length encoded.
	sizes := func(parts []part) string {
		var out string
		for i := 0; i < len(parts); {
			j := i
			for j < len(parts) && parts[j].Limit == parts[i].Limit {
				j++
			}
			out += fmt.Sprintf("%d×%dK ", j-i, parts[i].Limit>>10)
			i = j
		}
		return strings.TrimSpace(out)
	}
	tests := []struct {
		name             string
		first, last      int64
		accounts, window int
		want             string
	}{
		{"one account", 0, 64*MiB - 1, 1, 16, "64×1024K"},
		{"two accounts", 0, 64*MiB - 1, 2, 16, "60×1024K 8×512K"},
		{"four accounts", 0, 64*MiB - 1, 4, 16, "4×512K 54×1024K 16×512K"},
		{"eight accounts", 0, 64*MiB - 1, 8, 16, "8×256K 54×1024K 16×512K"},
		{"a narrow window", 0, 64*MiB - 1, 4, 4, "4×512K 60×1024K 4×512K"},
		{"a read too short for its window", 0, 5*MiB - 1, 4, 16, "4×512K 3×1024K"},
		{"a small file", 0, 300<<10 - 1, 4, 16, "1×300K"},
		{"a file of a part", 0, MiB - 1, 4, 16, "4×256K"},
		{"from mid-block", MiB / 2, 64*MiB - 1, 4, 16, "1×512K 2×342K 1×340K 54×1024K 16×512K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spreadPlan(planParts(tt.first, tt.last), tt.accounts, tt.window)
			if s := sizes(got); s != tt.want {
				t.Errorf("calls %s, want %s", s, tt.want)
			}
			checkPlan(t, got, tt.first, tt.last)
		})
	}
}
