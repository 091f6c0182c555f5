// Package tgfakeclient configures the service's Telegram client
// (pkg/tgclient) for the fake Telegram of package tgfake: options for a
// client of the fake, not a bot of any kind. It is for tests; it lives
// apart from tgfake so that tgfake does not depend on pkg/tgclient.
package tgfakeclient

import (
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// Options are pkg/tgclient options that log in to fake as its bot: its
// credentials, home DC, DC list, keys and dialer. Callers add a session and
// their tuning.
func Options(fake *tgfake.Server) tgclient.Options {
	c := fake.ClientOptions()
	return tgclient.Options{
		APIID:      c.APIID,
		APIHash:    c.APIHash,
		BotToken:   c.BotToken,
		DC:         c.DC,
		DCList:     c.DCList,
		PublicKeys: c.PublicKeys,
		Resolver:   c.Resolver,
	}
}
