package federation

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/uris"
)

// Version is reported in NodeInfo.
var Version = "0.1.0"

// webfinger answers acct:user@host (and actor or profile URLs) for
// people, sections and groups alike: one namespace, so a person and a
// group never share a name (federation-interop.md §1). The instance actor
// answers too: peers such as GoToSocial WebFinger every signer back and
// refuse our signed fetches otherwise (§10, issue 15).
func (f *Federation) webfinger(c *gin.Context) {
	resource := c.Query("resource")
	username := ""
	switch {
	case strings.HasPrefix(resource, "acct:"):
		user, host, ok := strings.Cut(strings.TrimPrefix(resource, "acct:"), "@")
		if !ok || !strings.EqualFold(host, f.cfg.Host) {
			c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
			return
		}
		username = strings.TrimPrefix(user, "@")
	case resource == f.uris.InstanceActor():
		username = uris.InstanceActorUsername
	case strings.HasPrefix(resource, f.uris.Base+"/users/"):
		username = strings.TrimPrefix(resource, f.uris.Base+"/users/")
	case strings.HasPrefix(resource, f.uris.Base+"/@"):
		username = strings.TrimPrefix(resource, f.uris.Base+"/@")
	case resource == "":
		c.JSON(http.StatusBadRequest, gin.H{"error": "resource is required"})
		return
	}
	a, err := f.store.LocalAccount(c.Request.Context(), username)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.SuspendedAt != nil) || username == "" {
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	} else if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	self := gin.H{"rel": "self", "type": "application/activity+json", "href": a.URI}
	if a.IsGroup() {
		// Lets resolvers pick the Group when names could clash (Lemmy #2037).
		self["properties"] = gin.H{"https://www.w3.org/ns/activitystreams#type": "Group"}
	}
	c.Header("Access-Control-Allow-Origin", "*")
	writeJSON(c, http.StatusOK, "application/jrd+json; charset=utf-8", gin.H{
		"subject": "acct:" + a.Username + "@" + f.cfg.Host,
		"aliases": []string{a.URI, a.URL},
		"links": []gin.H{
			self,
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": a.URL},
		},
	})
}

func (f *Federation) hostMeta(c *gin.Context) {
	// Browser clients (Elk, Phanpy) discover the server from another
	// origin; these documents are public.
	c.Header("Access-Control-Allow-Origin", "*")
	tmpl := html.EscapeString(f.uris.Base + "/.well-known/webfinger?resource={uri}")
	c.Data(http.StatusOK, "application/xrd+xml; charset=utf-8", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="`+tmpl+`"/>
</XRD>
`))
}

func (f *Federation) nodeinfoLinks(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	base := f.uris.Base
	c.JSON(http.StatusOK, gin.H{"links": []gin.H{
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": base + "/nodeinfo/2.0"},
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": base + "/nodeinfo/2.1"},
	}})
}

// nodeinfo publishes no member counts by default: the size of a party's
// membership is sensitive (instance.show_user_counts).
func (f *Federation) nodeinfo(c *gin.Context) {
	version := c.Param("version")
	if version != "2.0" && version != "2.1" {
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	software := gin.H{"name": "coopol", "version": Version}
	if version == "2.1" {
		software["repository"] = "https://codeberg.org/coopol/coopol"
		software["homepage"] = "https://codeberg.org/coopol/coopol"
	}
	usage := gin.H{"users": gin.H{}}
	if f.cfg.Instance.ShowUserCounts {
		n, err := f.store.CountUsers(c.Request.Context())
		if err == nil {
			usage = gin.H{"users": gin.H{"total": n}}
		}
	}
	c.Header("Access-Control-Allow-Origin", "*")
	body := gin.H{
		"version":   version,
		"software":  software,
		"protocols": []string{"activitypub"},
		"services":  gin.H{"inbound": []string{}, "outbound": []string{}},
		// Mastodon says true in approval mode too: one can sign up.
		"openRegistrations": f.cfg.Registrations != "closed",
		"usage":             usage,
		// Generic client detectors (megalodon's detector()) accept an
		// unknown software name whose metadata.upstream.name is
		// "mastodon", as forks such as Hometown publish it.
		"metadata": gin.H{
			"nodeName":        f.cfg.Instance.Name,
			"nodeDescription": f.cfg.Instance.Description,
			"upstream":        gin.H{"name": "mastodon", "version": "4.3.0"},
			"features":        []string{"mastodon_api", "mastodon_api_streaming"},
		},
	}
	writeJSON(c, http.StatusOK, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"`, body)
}

func writeJSON(c *gin.Context, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(status, contentType, body)
}
