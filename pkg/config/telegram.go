package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/filetolink/filetolink/pkg/bottoken"
)

// DCAddr is one entry of TG_DC_LIST.
type DCAddr struct {
	ID   int
	Host string
	Port int
}

var (
	apiHashPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// credentialVars are the bot's credentials, under the names FileStreamBot
// deployments already use.
var credentialVars = []Var{
	{Name: "API_ID", Required: Serve | ExportSession, Hint: "from my.telegram.org",
		Parse: func(c *Config, v string) error {
			id, err := strconv.Atoi(v)
			if err != nil || id <= 0 {
				return errors.New("must be a positive integer (from my.telegram.org)")
			}
			c.APIID = id
			return nil
		}},
	{Name: "API_HASH", Required: Serve | ExportSession, Hint: "from my.telegram.org",
		Parse: func(c *Config, v string) error {
			if !apiHashPattern.MatchString(v) {
				return errors.New("must be 32 hexadecimal digits (from my.telegram.org)")
			}
			c.APIHash = v
			return nil
		}},
	{Name: "BOT_TOKEN", Required: Serve | ExportSession | Webhook, Hint: "from @BotFather",
		Parse: func(c *Config, v string) error {
			if !bottoken.Valid(v) {
				return errors.New("must look like 123456:ABC-def (digits, colon, token)")
			}
			c.BotToken = v
			return nil
		}},
	{Name: "LOG_CHANNEL_ID", Required: Serve, Hint: "e.g. -1001234567890",
		Parse: func(c *Config, v string) error {
			id, err := ParseChannelID(v)
			c.ChannelID = id
			return err
		}},
}

// telegramVars point the client at Telegram.
var telegramVars = []Var{
	{Name: "TG_DC_LIST", Parse: func(c *Config, v string) error {
		list, err := ParseDCList(v)
		c.DCList = list
		return err
	}},
	{Name: "TG_DC", Parse: func(c *Config, v string) error {
		dc, err := strconv.Atoi(v)
		if err != nil || dc <= 0 || dc > 1000 {
			return errors.New("must be a DC number such as 2")
		}
		c.DC = dc
		return nil
	}, Then: func(c *Config, _ bool) error {
		if c.DC != 0 && len(c.DCList) > 0 && !hasDC(c.DCList, c.DC) {
			return fmt.Errorf("DC %d is not in TG_DC_LIST", c.DC)
		}
		return nil
	}},
	{Name: "TG_PUBLIC_KEYS", Parse: func(c *Config, path string) error {
		keys, err := readPublicKeys(path)
		c.PublicKeys = keys
		return err
	}, Then: func(c *Config, _ bool) error {
		if len(c.DCList) > 0 && len(c.PublicKeys) == 0 {
			return errors.New("required with TG_DC_LIST (PEM file with the server's RSA public keys)")
		}
		return nil
	}},
	{Name: "TG_TEST_DC", Parse: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.TestDC = b
		return nil
	}},
	{Name: "TG_SESSION", Parse: func(c *Config, v string) error {
		s, err := DecodeSession(v)
		if err != nil {
			return errors.New("not a session exported by `server -export-session`")
		}
		c.Session = s
		return nil
	}},
}

func hasDC(list []DCAddr, dc int) bool {
	for _, a := range list {
		if a.ID == dc {
			return true
		}
	}
	return false
}

// readFile reads TG_PUBLIC_KEYS; a variable so that a test can make it fail
// in ways the file system does not.
var readFile = os.ReadFile

// readPublicKeys reads the PKCS#1 "RSA PUBLIC KEY" PEM blocks of a file.
// Errors name neither the path nor the content.
func readPublicKeys(path string) ([]*rsa.PublicKey, error) {
	data, err := readFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	var keys []*rsa.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "RSA PUBLIC KEY" {
			continue
		}
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("RSA PUBLIC KEY block %d is not a PKCS#1 public key", len(keys)+1)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("the file holds no PEM \"RSA PUBLIC KEY\" block")
	}
	return keys, nil
}

// ParseChannelID accepts "-1001234567890" (Bot API form) and "1234567890".
func ParseChannelID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "-100"); ok {
		s = rest
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || id >= 1<<40 {
		return 0, errors.New("must be a channel id such as -1001234567890")
	}
	return id, nil
}

// ParseDCList parses "2=host:port,4=host:port". Errors name the entry by
// its position, not its text.
func ParseDCList(s string) ([]DCAddr, error) {
	var list []DCAddr
	seen := map[int]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n := i + 1
		idText, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("entry %d: want DC=host:port", n)
		}
		id, err := strconv.Atoi(strings.TrimSpace(idText))
		if err != nil || id <= 0 || id > 1000 {
			return nil, fmt.Errorf("entry %d: DC must be a number such as 2", n)
		}
		host, portText, err := net.SplitHostPort(strings.TrimSpace(addr))
		if err != nil || host == "" {
			return nil, fmt.Errorf("entry %d: want DC=host:port", n)
		}
		port, err := strconv.Atoi(portText)
		if err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("entry %d: bad port", n)
		}
		if seen[id] {
			return nil, fmt.Errorf("DC %d listed twice", id)
		}
		seen[id] = true
		list = append(list, DCAddr{ID: id, Host: host, Port: port})
	}
	if len(list) == 0 {
		return nil, errors.New("no DC listed; want 2=host:port,4=host:port")
	}
	return list, nil
}

// EncodeSession turns gotd session bytes into a TG_SESSION value.
func EncodeSession(data []byte) string {
	return "1:" + base64.RawURLEncoding.EncodeToString(data)
}

// DecodeSession reverses EncodeSession.
func DecodeSession(s string) ([]byte, error) {
	body, ok := strings.CutPrefix(strings.TrimSpace(s), "1:")
	if !ok {
		return nil, errors.New("unknown session format")
	}
	data, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(data) == 0 {
		return nil, errors.New("bad session encoding")
	}
	return data, nil
}
