package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/templates"
)

// sessionReports asks for each bot's session report, if there are any.
func (s *server) sessionReports(r *http.Request) []sessions.Report {
	if s.sessions == nil {
		return nil
	}
	return s.sessions(r.Context())
}

// sessionsCard is the reports as the status page shows them: a group of
// facts per bot, labelled as the Bots card labels it (its public id), and
// the note once.
func sessionsCard(reps []sessions.Report) *templates.Sessions {
	if len(reps) == 0 {
		return nil
	}
	card := &templates.Sessions{Note: reps[0].Note}
	for i := range reps {
		f := sessionFacts(&reps[i])
		// A note is a warning about the source (serverless without
		// REDIS_URL): the source is marked for it.
		if card.Note != "" && len(f.Items) > 0 {
			f.Items[0].Warn = true
		}
		card.Bots = append(card.Bots, f)
	}
	return card
}

// sessionFacts is one bot's report as the status page shows it.
func sessionFacts(rep *sessions.Report) templates.Facts {
	var f templates.Facts
	if rep.Bot != 0 {
		f.Title = "Bot " + strconv.FormatInt(rep.Bot, 10)
	}
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
