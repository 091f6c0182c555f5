package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/templates"
)

// sessionReport asks for the session report, if there is one.
func (s *server) sessionReport(r *http.Request) *sessions.Report {
	if s.sessions == nil {
		return nil
	}
	rep := s.sessions(r.Context())
	return &rep
}

// sessionFacts is the report as the status page shows it.
func sessionFacts(rep *sessions.Report) *templates.Facts {
	if rep == nil {
		return nil
	}
	f := &templates.Facts{Note: rep.Note}
	add := func(label, value string, warn bool) {
		f.Items = append(f.Items, templates.Fact{Label: label, Value: value, Warn: warn})
	}
	source := "In memory (this process only)"
	if rep.Source == "pool" {
		source = "Shared pool (Redis)"
	}
	add("Session source", source, false)
	if rep.Session != "" {
		add("Current session", rep.Session, false)
	}
	if p := rep.Pool; p != nil {
		if !p.Reachable {
			add("Store", "unreachable ("+p.StoreError+")", true)
		} else {
			add("Sessions stored", strconv.Itoa(p.Stored), false)
			add("Sessions leased", strconv.Itoa(p.Leased), false)
			add("Logins last hour", strconv.Itoa(p.Logins)+" of "+strconv.Itoa(p.LoginBudget), p.Logins >= p.LoginBudget)
			if p.BlockedFor > 0 {
				add("Logins blocked until", p.BlockedTill.Format(time.RFC3339)+" ("+p.BlockReason+")", true)
			}
		}
		add("Lease TTL", p.LeaseTTL, false)
	}
	if rep.LastAuthError != "" {
		v := rep.LastAuthError
		if !rep.LastAuthAt.IsZero() {
			v += " at " + rep.LastAuthAt.UTC().Format(time.RFC3339)
		}
		add("Last auth error", v, true)
	}
	return f
}
