package web

// failClass is the class of an answer that is not the file: the word the
// log line names ("error") and, for a failure that can reach a browser,
// the hint its error page shows. failClasses is the one table of both;
// TestEveryClassHasAHint holds every class that can reach a page to a hint.
type failClass uint8

// The classes; classNone is a success.
const (
	classNone failClass = iota
	classBadID
	classNoCode
	classWrongCode
	classBadSignature
	classExpired
	classRateLimited
	classNotFound
	classNoMedia
	classUnsupported
	classRoute
	classRange
	classFloodWait
	classNoSession
	classOverCap
	classBusy
	classStreamsFull
	classClientStreamsFull
	classBodyOnRead
	classUnavailable
	classUpstream
	classChannel
	classTimeout
	classPanic
	classTemplate
	classJSON
	classMethod
	classClientGone
	classBodyBroken
	classOverCapWorker
	classOverCapRedirect
	classCleanPath
	numClasses
)

// failClasses name every class and say what a person who followed a link
// can do about it; an empty hint: the class never renders a page.
var failClasses = [numClasses]struct {
	name, hint string
}{
	classBadID:             {"bad_id", "The link is damaged: the number after /dl/ or /stream/ is the file's message id. Copy the whole link again."},
	classNoCode:            {"no_code", "The link lacks its code (?code=…). Copy the whole link again, exactly as it was sent."},
	classWrongCode:         {"wrong_code", "The code in the link does not match the file. Copy the whole link again, exactly as it was sent."},
	classBadSignature:      {"bad_signature", "The link is damaged or was changed (its expiry and signature belong together). Copy the whole link again, exactly as it was sent."},
	classExpired:           {"expired", "The sender made this link to work for a limited time only, and that time is over. Ask them for a new link."},
	classRateLimited:       {"rate_limited", "Too many incomplete or wrong links came from your network. Wait a while, then open the complete link."},
	classNotFound:          {"not_found", "The file is not in the channel (any more). Ask the sender for a new link."},
	classNoMedia:           {"no_media", "That message holds no file. Ask the sender for a new link."},
	classUnsupported:       {"unsupported", "This kind of media cannot be served as a link."},
	classRoute:             {"route", "Check the address: links look like /dl/123?code=… or /stream/123?code=…."},
	classRange:             {"range", "The part of the file asked for lies beyond its end. Reload the page or download the whole file."},
	classFloodWait:         {"flood_wait", "Telegram asks this server to slow down. Try again later."},
	classNoSession:         {"no_session", "The server is waiting for Telegram to let it log in again. Try again later."},
	classOverCap:           {"over_cap", "The file is larger than this server may send at once: the reason above says how to fetch it in parts."},
	classBusy:              {"busy", "The server is busy. Try again in a moment."},
	classStreamsFull:       {"streams_full", "The server is busy. Try again in a moment."},
	classClientStreamsFull: {"client_streams_full", "Your network is already downloading as many files from this server as it may at once. Try again when one has finished."},
	classBodyOnRead:        {"body_on_read", "The request carried a body, which a GET or HEAD must not. Open the link again in a browser or with curl."},
	classUnavailable:       {"unavailable", "Telegram is not answering right now. Try again in a moment."},
	classUpstream:          {"upstream", "Telegram is not answering right now. Try again in a moment."},
	classChannel:           {"channel", "The server cannot read its Telegram channel; its operator has been told on the status page."},
	classTimeout:           {"timeout", "Telegram took too long. Try again."},
	classPanic:             {"panic", "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator."},
	classTemplate:          {"template", "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator."},
	classJSON:              {"json", "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator."},
	classMethod:            {"method", ""},            // never a GET: no page
	classClientGone:        {"client_gone", ""},       // never answered
	classBodyBroken:        {"body_broken", ""},       // the status is out: no page
	classOverCapWorker:     {"over_cap_worker", ""},   // a redirect
	classOverCapRedirect:   {"over_cap_redirect", ""}, // a redirect
	classCleanPath:         {"clean_path", ""},        // a redirect
}

// String is the class's word in the log line ("" for classNone).
func (c failClass) String() string { return failClasses[c].name }

// hint is what the error page of c suggests ("": no page).
func (c failClass) hint() string { return failClasses[c].hint }
