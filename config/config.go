// Package config reads Coopol's configuration once at start-up into a typed
// struct: embedded defaults, then an optional YAML file, then COOPOL_*
// environment variables. Every error names the offending key, because an
// operator on a small VPS must be able to fix a typo without reading code.
package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. The `key` tags are the names used in
// YAML files; environment variables are COOPOL_ followed by the key path in
// upper case, joined by "_" (database.address -> COOPOL_DATABASE_ADDRESS).
type Config struct {
	Host          string     `key:"host"`
	Protocol      string     `key:"protocol"`
	Bind          string     `key:"bind"`
	Registrations string     `key:"registrations"`
	Log           Log        `key:"log"`
	Database      Database   `key:"database"`
	Media         Media      `key:"media"`
	Instance      Instance   `key:"instance"`
	Section       Section    `key:"section"`
	Federation    Federation `key:"federation"`
	HTTP          HTTP       `key:"http"`
	SMTP          SMTP       `key:"smtp"`
	Events        Events     `key:"events"`
}

type Events struct {
	ReminderBefore time.Duration `key:"reminder_before"`
}

type Log struct {
	Level  string `key:"level"`
	Format string `key:"format"`
}

type Database struct {
	Type         string `key:"type"`
	Address      string `key:"address"`
	MaxOpenConns int    `key:"max_open_conns"`
}

type Media struct {
	Path         string `key:"path"`
	MaxImageSize int64  `key:"max_image_size"`
	MaxVideoSize int64  `key:"max_video_size"`
	MaxAudioSize int64  `key:"max_audio_size"`
	// Storage is where stored files live: "local" (under Path) or "s3"
	// (an S3-compatible bucket; Path then only holds uploads in progress).
	Storage string  `key:"storage"`
	S3      MediaS3 `key:"s3"`
}

// MediaS3 is the S3-compatible bucket used when media.storage is "s3".
type MediaS3 struct {
	Endpoint  string `key:"endpoint"` // host[:port], not a URL
	Region    string `key:"region"`
	Bucket    string `key:"bucket"`
	AccessKey string `key:"access_key"`
	SecretKey string `key:"secret_key"`
	UseSSL    bool   `key:"use_ssl"`
	// PublicURL, when set, is the base URL files are served from (a CDN
	// or the bucket's public endpoint) instead of Coopol's /media/ handler.
	PublicURL string `key:"public_url"`
}

type Instance struct {
	Name           string `key:"name"`
	Description    string `key:"description"`
	Language       string `key:"language"`
	ContactEmail   string `key:"contact_email"`
	ShowUserCounts bool   `key:"show_user_counts"`
	MaxStatusChars int    `key:"max_status_chars"`
}

type Section struct {
	Username    string `key:"username"`
	DisplayName string `key:"display_name"`
	Territory   string `key:"territory"`
}

type Federation struct {
	Mode            string        `key:"mode"`
	Allowlist       []string      `key:"allowlist"`
	AllowPrivateIPs []string      `key:"allow_private_ips"`
	AuthorizedFetch bool          `key:"authorized_fetch"`
	DeliverBlocks   bool          `key:"deliver_blocks"`
	DeliveryWorkers int           `key:"delivery_workers"`
	RequestTimeout  time.Duration `key:"request_timeout"`
	Sections        []string      `key:"sections"` // the party's other sections' domains
}

type HTTP struct {
	TrustedProxies  []string      `key:"trusted_proxies"`
	ShutdownTimeout time.Duration `key:"shutdown_timeout"`
}

type SMTP struct {
	Host     string `key:"host"`
	Port     int    `key:"port"`
	Username string `key:"username"`
	Password string `key:"password"`
	From     string `key:"from"`
}

// Default returns the embedded defaults: enough to run a local instance
// with no config file at all.
func Default() Config {
	return Config{
		Host:          "localhost:8080",
		Protocol:      "http",
		Bind:          "127.0.0.1:8080",
		Registrations: "approval",
		Log:           Log{Level: "info", Format: "text"},
		Database:      Database{Type: "sqlite", Address: "./coopol-data/coopol.db", MaxOpenConns: 10},
		Media: Media{
			Path:         "./coopol-data/media",
			MaxImageSize: 16 << 20,
			MaxVideoSize: 100 << 20,
			MaxAudioSize: 40 << 20,
			Storage:      "local",
			S3:           MediaS3{UseSSL: true},
		},
		Instance:   Instance{Name: "Coopol", Language: "fr", MaxStatusChars: 5000},
		Section:    Section{Username: "section", DisplayName: "Section"},
		Federation: Federation{Mode: "open", DeliveryWorkers: 8, RequestTimeout: 10 * time.Second},
		HTTP:       HTTP{ShutdownTimeout: 15 * time.Second},
		SMTP:       SMTP{Port: 587},
		Events:     Events{ReminderBefore: 24 * time.Hour},
	}
}

// Load builds the configuration: defaults, then the YAML file at path (if
// path is not empty), then environment variables from environ (os.Environ()
// form). The result is validated.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := applyYAML(&cfg, data); err != nil {
			return cfg, err
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// BaseURL is the public origin, e.g. "https://lyon.example".
func (c Config) BaseURL() string { return c.Protocol + "://" + c.Host }

// PrivatePrefixes parses federation.allow_private_ips (already validated).
func (c Config) PrivatePrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.Federation.AllowPrivateIPs {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks values that have a fixed set of choices or must be present.
func (c Config) Validate() error {
	oneOf := func(key, value string, choices ...string) error {
		for _, ch := range choices {
			if value == ch {
				return nil
			}
		}
		return fmt.Errorf("config: %s: %q is not one of %s", key, value, strings.Join(choices, ", "))
	}
	required := map[string]string{
		"host": c.Host, "bind": c.Bind, "database.address": c.Database.Address,
		"media.path": c.Media.Path, "section.username": c.Section.Username,
	}
	for _, key := range []string{"host", "bind", "database.address", "media.path", "section.username"} {
		if strings.TrimSpace(required[key]) == "" {
			return fmt.Errorf("config: %s: a value is required", key)
		}
	}
	if strings.ContainsAny(c.Host, "/ ") {
		return fmt.Errorf("config: host: %q must be a bare host name (and optional port), not a URL", c.Host)
	}
	checks := []error{
		oneOf("protocol", c.Protocol, "https", "http"),
		oneOf("registrations", c.Registrations, "open", "approval", "closed"),
		oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"),
		oneOf("log.format", c.Log.Format, "text", "json"),
		oneOf("database.type", c.Database.Type, "sqlite", "postgres"),
		oneOf("federation.mode", c.Federation.Mode, "open", "allowlist"),
		oneOf("media.storage", c.Media.Storage, "local", "s3"),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	for _, s := range c.Federation.AllowPrivateIPs {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("config: federation.allow_private_ips: %q is not a CIDR prefix such as 127.0.0.0/8", s)
		}
	}
	for _, s := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("config: http.trusted_proxies: %q is not a CIDR prefix", s)
		}
	}
	if err := c.Media.validateS3(); err != nil {
		return err
	}
	if c.Database.MaxOpenConns < 1 {
		return fmt.Errorf("config: database.max_open_conns: must be at least 1")
	}
	if c.Federation.DeliveryWorkers < 1 {
		return fmt.Errorf("config: federation.delivery_workers: must be at least 1")
	}
	if c.Instance.MaxStatusChars < 1 {
		return fmt.Errorf("config: instance.max_status_chars: must be at least 1")
	}
	return nil
}

// validateS3 checks media.s3.* when media.storage is s3.
func (m Media) validateS3() error {
	if m.Storage != "s3" {
		return nil
	}
	if strings.TrimSpace(m.S3.Bucket) == "" {
		return fmt.Errorf("config: media.s3.bucket: a value is required when media.storage is s3")
	}
	ep := m.S3.Endpoint
	if strings.TrimSpace(ep) == "" {
		return fmt.Errorf("config: media.s3.endpoint: a value is required when media.storage is s3 (e.g. s3.fr-par.scw.cloud)")
	}
	if strings.Contains(ep, "://") || strings.ContainsAny(ep, "/ ") {
		return fmt.Errorf("config: media.s3.endpoint: %q must be a bare host name and optional port such as s3.fr-par.scw.cloud, not a URL (use media.s3.use_ssl for https)", ep)
	}
	if pu := m.S3.PublicURL; pu != "" {
		u, err := url.Parse(pu)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("config: media.s3.public_url: %q is not a base URL such as https://media.example.org", pu)
		}
	}
	return nil
}

func applyYAML(cfg *Config, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config: invalid YAML: %w", err)
	}
	if len(doc.Content) == 0 { // empty file
		return nil
	}
	return setFromNode(reflect.ValueOf(cfg).Elem(), doc.Content[0], "")
}

func setFromNode(v reflect.Value, node *yaml.Node, path string) error {
	if v.Kind() == reflect.Struct {
		if node.Kind != yaml.MappingNode {
			return fmt.Errorf("config: %s: expected a mapping of keys", orRoot(path))
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			name := node.Content[i].Value
			key := join(path, name)
			field, ok := fieldByKey(v, name)
			if !ok {
				return fmt.Errorf("config: %s: unknown key (line %d)", key, node.Content[i].Line)
			}
			if err := setFromNode(field, node.Content[i+1], key); err != nil {
				return err
			}
		}
		return nil
	}
	if v.Kind() == reflect.Slice {
		switch node.Kind {
		case yaml.SequenceNode:
			items := make([]string, 0, len(node.Content))
			for _, item := range node.Content {
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("config: %s: expected a list of strings", path)
				}
				items = append(items, item.Value)
			}
			v.Set(reflect.ValueOf(items))
			return nil
		case yaml.ScalarNode:
			if node.Tag == "!!null" {
				v.Set(reflect.Zero(v.Type()))
				return nil
			}
		}
		return fmt.Errorf("config: %s: expected a list", path)
	}
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("config: %s: expected a single value", path)
	}
	return setScalar(v, node.Value, path)
}

// setScalar converts one textual value into the field's type.
func setScalar(v reflect.Value, s, key string) error {
	switch v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not a duration such as 10s or 5m", key, s)
		}
		v.SetInt(int64(d))
		return nil
	case []string:
		var items []string
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
		v.Set(reflect.ValueOf(items))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not a whole number", key, s)
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not true or false", key, s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("config: %s: unsupported setting type %s", key, v.Type())
	}
	return nil
}

func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "COOPOL_") {
			env[k] = val
		}
	}
	return walkEnv(reflect.ValueOf(cfg).Elem(), "", env)
}

func walkEnv(v reflect.Value, path string, env map[string]string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		key := join(path, t.Field(i).Tag.Get("key"))
		field := v.Field(i)
		if field.Kind() == reflect.Struct {
			if err := walkEnv(field, key, env); err != nil {
				return err
			}
			continue
		}
		name := EnvName(key)
		if s, ok := env[name]; ok {
			if err := setScalar(field, s, key+" (from "+name+")"); err != nil {
				return err
			}
		}
	}
	return nil
}

// EnvName is the environment variable that overrides a key.
func EnvName(key string) string {
	return "COOPOL_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Keys lists every configuration key, for documentation tests.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for i := 0; i < t.NumField(); i++ {
			key := join(path, t.Field(i).Tag.Get("key"))
			if t.Field(i).Type.Kind() == reflect.Struct {
				walk(t.Field(i).Type, key)
				continue
			}
			keys = append(keys, key)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return keys
}

func fieldByKey(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("key") == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orRoot(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}
