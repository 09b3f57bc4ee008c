package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultsWithoutFile(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "localhost:8080" || cfg.Bind != "127.0.0.1:8080" || cfg.Database.Type != "sqlite" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.Instance.Language != "fr" || len(cfg.Federation.AllowPrivateIPs) != 0 {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
}

func TestExampleFileDocumentsEveryKeyAndLoads(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("../config.example.yaml", nil); err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	for _, key := range Keys() {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := writeFile(t, `
host: section-a.test
database:
  type: postgres
  address: postgres://x@127.0.0.1/db
federation:
  allow_private_ips: [127.0.0.0/8]
  request_timeout: 3s
`)
	cfg, err := Load(path, []string{"COOPOL_DATABASE_ADDRESS=postgres://y@127.0.0.1/other", "COOPOL_FEDERATION_ALLOW_PRIVATE_IPS=10.0.0.0/8, ::1/128", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "section-a.test" || cfg.Database.Type != "postgres" {
		t.Fatalf("file not applied: %+v", cfg)
	}
	if cfg.Database.Address != "postgres://y@127.0.0.1/other" {
		t.Fatalf("environment does not win: %q", cfg.Database.Address)
	}
	if got := cfg.Federation.AllowPrivateIPs; len(got) != 2 || got[1] != "::1/128" {
		t.Fatalf("list from environment: %q", got)
	}
	if cfg.Federation.RequestTimeout != 3*time.Second {
		t.Fatalf("duration: %v", cfg.Federation.RequestTimeout)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        []string
		wantKey    string
	}{
		{"unknown key", "database:\n  typ: sqlite\n", nil, "database.typ"},
		{"unknown top key", "hots: x\n", nil, "hots"},
		{"wrong type", "database:\n  max_open_conns: many\n", nil, "database.max_open_conns"},
		{"wrong bool", "federation:\n  authorized_fetch: perhaps\n", nil, "federation.authorized_fetch"},
		{"bad choice", "database:\n  type: mysql\n", nil, "database.type"},
		{"bad cidr", "federation:\n  allow_private_ips: [localhost]\n", nil, "federation.allow_private_ips"},
		{"missing required", "host: \"\"\n", nil, "host"},
		{"mapping expected", "database: sqlite\n", nil, "database"},
		{"env wrong type", "", []string{"COOPOL_MEDIA_MAX_IMAGE_SIZE=big"}, "media.max_image_size"},
		{"env bad choice", "", []string{"COOPOL_REGISTRATIONS=sometimes"}, "registrations"},
		{"bad duration", "http:\n  shutdown_timeout: soon\n", nil, "http.shutdown_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.yaml != "" {
				path = writeFile(t, tc.yaml)
			}
			_, err := Load(path, tc.env)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !strings.Contains(err.Error(), tc.wantKey) {
				t.Fatalf("error %q does not name %s", err, tc.wantKey)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("federation.allow_private_ips"); got != "COOPOL_FEDERATION_ALLOW_PRIVATE_IPS" {
		t.Fatal(got)
	}
}

func TestMediaStorageKeys(t *testing.T) {
	cfg, err := Load(writeFile(t, "media:\n  storage: s3\n  s3:\n    endpoint: 127.0.0.1:9000\n    bucket: coopol\n"), []string{"COOPOL_MEDIA_S3_SECRET_KEY=s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Media.Storage != "s3" || cfg.Media.S3.Bucket != "coopol" || cfg.Media.S3.SecretKey != "s3cret" {
		t.Fatalf("s3 settings: %+v", cfg.Media)
	}
	for yaml, key := range map[string]string{
		"media:\n  storage: ftp\n":                                               "media.storage",
		"media:\n  storage: s3\n  s3:\n    endpoint: x:9000\n":                   "media.s3.bucket",
		"media:\n  storage: s3\n  s3:\n    bucket: b\n":                          "media.s3.endpoint",
		"media:\n  s3:\n    endpoint: https://x\n    bucket: b\n  storage: s3\n": "media.s3.endpoint",
	} {
		if _, err := Load(writeFile(t, yaml), nil); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: error %v does not name %s", yaml, err, key)
		}
	}
}
