package elections

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Contour is a polling station's shape from a contours GeoJSON file.
type Contour struct {
	Feature     int // 1-based position in the file, for messages
	CommuneCode string
	CommuneName string
	StationCode string
	Geometry    orb.Geometry // orb.Polygon or orb.MultiPolygon, longitude/latitude
}

// Key is "99350_0001", as the contours files write it.
func (c Contour) Key() string { return c.CommuneCode + "_" + c.StationCode }

// GeoJSON is the shape as stored (a GeoJSON geometry object).
func (c Contour) GeoJSON() (string, error) {
	b, err := json.Marshal(geojson.NewGeometry(c.Geometry))
	return string(b), err
}

// Property names carrying the commune and the station, in the Etalab
// contours (codeCommune, numeroBureauVote, codeBureauVote) and in the
// files communes publish themselves.
var (
	communeProps = []string{"codeCommune", "code_commune", "insee", "code_insee", "insee_com", "com"}
	nameProps    = []string{"nomCommune", "nom_commune", "libelle_commune", "nom_com"}
	stationProps = []string{"numeroBureauVote", "numero_bureau", "code_bv", "num_bv", "bureau", "numero"}
)

// ParseContours reads a GeoJSON FeatureCollection of polling stations. It
// decodes one feature at a time, so a national file does not have to fit
// in memory at once. Several features for one station (a station in two
// pieces) are merged into a MultiPolygon.
func ParseContours(r io.Reader) ([]Contour, error) {
	dec := json.NewDecoder(r)
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("contours: invalid JSON at byte %d: %v", se.Offset, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("contours: the file ends too early")
		}
		return fmt.Errorf("contours: %w (near byte %d)", err, dec.InputOffset())
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail(err)
	}
	var out []Contour
	index := make(map[string]int) // Key -> position in out
	sawFeatures := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		if key != "features" {
			var skip json.RawMessage // type, name, crs, bbox: small
			if err := dec.Decode(&skip); err != nil {
				return nil, fail(err)
			}
			if key == "crs" && !strings.Contains(string(skip), "4326") && !strings.Contains(string(skip), "CRS84") {
				return nil, errors.New("contours: the file is not in longitude/latitude (WGS84, EPSG:4326): reproject it, for example with ogr2ogr -t_srs EPSG:4326")
			}
			continue
		}
		sawFeatures = true
		if err := expectDelim(dec, '['); err != nil {
			return nil, fail(err)
		}
		for n := 1; dec.More(); n++ {
			var f geojson.Feature
			if err := dec.Decode(&f); err != nil {
				return nil, fmt.Errorf("contours, feature %d: %w", n, err)
			}
			c, err := contour(n, &f)
			if err != nil {
				return nil, err
			}
			if i, dup := index[c.Key()]; dup {
				out[i].Geometry = merge(out[i].Geometry, c.Geometry)
				continue
			}
			index[c.Key()] = len(out)
			out = append(out, c)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, fail(err)
		}
	}
	if !sawFeatures {
		return nil, errors.New("contours: not a GeoJSON FeatureCollection (no \"features\")")
	}
	if len(out) == 0 {
		return nil, errors.New("contours: the file has no features")
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func contour(n int, f *geojson.Feature) (Contour, error) {
	c := Contour{Feature: n}
	fail := func(format string, args ...any) (Contour, error) {
		where := fmt.Sprintf("feature %d", n)
		if c.StationCode != "" {
			where += " (" + c.Key() + ")"
		}
		return Contour{}, fmt.Errorf("contours, %s: %s", where, fmt.Sprintf(format, args...))
	}
	commune := property(f.Properties, communeProps)
	station := property(f.Properties, stationProps)
	if full := property(f.Properties, []string{"codeBureauVote", "code_bureau_vote"}); full != "" {
		// "99350_0001": fills in whichever half is missing.
		if before, after, ok := strings.Cut(full, "_"); ok {
			if commune == "" {
				commune = before
			}
			if station == "" {
				station = after
			}
		}
	}
	if commune == "" || station == "" {
		return fail("no commune code or polling station number in its properties (expected codeCommune and numeroBureauVote)")
	}
	if digits(commune) && len(commune) < 5 {
		commune = strings.Repeat("0", 5-len(commune)) + commune // 1004 written as a number
	}
	c.CommuneCode, c.StationCode = commune, stationCode(station)
	c.CommuneName = property(f.Properties, nameProps)

	switch g := f.Geometry.(type) {
	case orb.Polygon:
		c.Geometry = g
	case orb.MultiPolygon:
		c.Geometry = g
	case nil:
		return fail("no geometry")
	default:
		return fail("geometry is a %s, a Polygon or MultiPolygon is expected", f.Geometry.GeoJSONType())
	}
	if err := checkShape(c.Geometry); err != nil {
		return fail("%v", err)
	}
	return c, nil
}

// property reads the first present property among names, as text. Codes
// are sometimes written as JSON numbers (numeroBureauVote: 1).
func property(props geojson.Properties, names []string) string {
	for _, name := range names {
		switch v := props[name].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case float64:
			if v == math.Trunc(v) && v >= 0 {
				return strconv.FormatInt(int64(v), 10)
			}
		}
	}
	return ""
}

// checkShape refuses shapes the map cannot draw, and coordinates that are
// not longitude/latitude (Lambert-93 metres are the usual mistake).
func checkShape(g orb.Geometry) error {
	var polys orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	if len(polys) == 0 {
		return errors.New("empty geometry")
	}
	for _, p := range polys {
		if len(p) == 0 {
			return errors.New("polygon without rings")
		}
		for _, ring := range p {
			if len(ring) < 3 {
				return errors.New("a ring has fewer than 3 points")
			}
			for _, pt := range ring {
				lon, lat := pt[0], pt[1]
				if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
					return fmt.Errorf("coordinates (%g, %g) are not longitude/latitude (WGS84, EPSG:4326): reproject the file", lon, lat)
				}
			}
		}
	}
	return nil
}

func merge(a, b orb.Geometry) orb.Geometry {
	var m orb.MultiPolygon
	for _, g := range []orb.Geometry{a, b} {
		switch g := g.(type) {
		case orb.Polygon:
			m = append(m, g)
		case orb.MultiPolygon:
			m = append(m, g...)
		}
	}
	return m
}
