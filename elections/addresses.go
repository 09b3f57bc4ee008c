package elections

// The official address file: which addresses vote in which polling station
// (INSEE's public extract of the Répertoire électoral unique, "bureaux de
// vote et adresses de leurs électeurs"). The national file has one row per
// address in France, so it is streamed: rows of other communes are
// skipped as they are read and only the section's rows are kept.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// AddressRow is one address of the file: a door, and how many electors
// are registered there.
type AddressRow struct {
	Line        int
	CommuneCode string // INSEE code of the commune
	StationCode string // "0001"
	Number      string // "12", "12 bis"; "" for a street-level row
	Street      string // "rue du Moulin"
	Electors    int
	Longitude   float64
	Latitude    float64
	Located     bool // false when the file gives no coordinates
}

// AddressScan says what a scan of an address file read.
type AddressScan struct {
	Encoding string
	Kept     int // rows of the requested communes
	Skipped  int // rows of other communes
	Electors int // electors at the kept addresses
}

// Column roles of the address file, by normalised name.
var addressColumns = []struct {
	role, display string
	names         []string
	required      bool
}{
	{"commune", "code_commune_ref", []string{"code_commune_ref", "code_commune", "code commune"}, true},
	{"station", "id_brut_bv_reu", []string{"id_brut_bv_reu", "id_bv", "code_bv"}, true},
	{"address", "geo_adresse", []string{"geo_adresse", "adresse"}, true},
	{"line", "api_line", []string{"api_line"}, false},
	{"type", "geo_type", []string{"geo_type"}, false},
	{"lon", "longitude", []string{"longitude", "lon"}, false},
	{"lat", "latitude", []string{"latitude", "lat"}, false},
	{"electors", "nb_adresses", []string{"nb_adresses", "nb_electeurs", "electeurs"}, true},
}

// ScanAddresses reads an address file and calls keep for each row of the
// given communes (all rows when communes is empty), in file order. It
// reads the file once, in bounded memory whatever its size: the encoding
// is decided on the first megabyte (UTF-8, or Latin-1 in its Windows-1252
// form). The first unreadable row stops the scan with a *ParseError
// naming its line and column; keep's error stops it too.
func ScanAddresses(r io.Reader, communes []string, keep func(AddressRow) error) (*AddressScan, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.Peek(1 << 20)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read address file: %w", err)
	}
	scan := &AddressScan{Encoding: EncodingUTF8}
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		br.Discard(3) //nolint:errcheck // peeked above
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, &ParseError{Line: 1, Msg: "this is a spreadsheet or a zip archive, not a CSV text file: unzip or export it as CSV"}
	case !validUTF8Prefix(head):
		scan.Encoding = EncodingLatin1
		text = charmap.Windows1252.NewDecoder().Reader(br)
	}

	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Line: 1, Msg: "the file is empty"}
	} else if err != nil {
		return nil, csvError(err)
	}
	if len(header) == 1 && strings.Contains(header[0], ";") {
		cr.Comma = ';' // a spreadsheet's re-export
		header = strings.Split(header[0], ";")
	}
	header = slices.Clone(header)
	cols := map[string]int{}
	for i, name := range header {
		n := strings.ToLower(strings.TrimSpace(name))
		for _, c := range addressColumns {
			if _, found := cols[c.role]; !found && slices.Contains(c.names, n) {
				cols[c.role] = i
			}
		}
	}
	for _, c := range addressColumns {
		if _, ok := cols[c.role]; c.required && !ok {
			return nil, &ParseError{Line: 1, Column: c.display, Msg: "column missing from the header"}
		}
	}
	filter := map[string]bool{}
	for _, c := range communes {
		if c = strings.TrimSpace(c); c != "" {
			filter[c] = true
		}
	}
	field := func(rec []string, role string) string {
		i, ok := cols[role]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	fail := func(line int, role, msg string) error {
		i := cols[role]
		return &ParseError{Line: line, Field: i + 1, Column: header[i], Msg: msg}
	}

	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		commune := field(rec, "commune")
		if len(filter) > 0 && !filter[commune] {
			scan.Skipped++
			continue
		}
		row := AddressRow{Line: line, CommuneCode: commune}
		if !validCommune(commune) {
			return nil, fail(line, "commune", fmt.Sprintf("%q is not an INSEE commune code (5 characters, such as 69123 or 2A004)", commune))
		}
		station := field(rec, "station")
		c, code, ok := strings.Cut(station, "_")
		if !ok || c != commune || code == "" || len(code) > 10 {
			return nil, fail(line, "station", fmt.Sprintf("%q is not <commune>_<polling station> for commune %s", station, commune))
		}
		row.StationCode = code
		electors, err := strconv.Atoi(field(rec, "electors"))
		if err != nil || electors < 0 || electors > 100000 {
			return nil, fail(line, "electors", fmt.Sprintf("%q is not a number of electors", field(rec, "electors")))
		}
		row.Electors = electors
		row.Number, row.Street = splitAddress(field(rec, "address"), field(rec, "line"), field(rec, "type"))
		if row.Street == "" {
			return nil, fail(line, "address", "empty address")
		}
		lon, lat := field(rec, "lon"), field(rec, "lat")
		if lon != "" || lat != "" {
			x, errx := strconv.ParseFloat(strings.ReplaceAll(lon, ",", "."), 64)
			y, erry := strconv.ParseFloat(strings.ReplaceAll(lat, ",", "."), 64)
			switch {
			case errx != nil || x < -180 || x > 180:
				return nil, fail(line, "lon", fmt.Sprintf("%q is not a longitude", lon))
			case erry != nil || y < -90 || y > 90:
				return nil, fail(line, "lat", fmt.Sprintf("%q is not a latitude", lat))
			}
			row.Longitude, row.Latitude, row.Located = x, y, true
		}
		if err := keep(row); err != nil {
			return nil, err
		}
		scan.Kept++
		scan.Electors += electors
	}
	if scan.Kept == 0 {
		if scan.Skipped > 0 {
			return nil, errors.New("no address of the requested communes in this file")
		}
		return nil, &ParseError{Line: 2, Msg: "no address rows after the header"}
	}
	return scan, nil
}

// validUTF8Prefix is utf8.Valid, forgiving a multi-byte character cut at
// the end of a peeked prefix.
func validUTF8Prefix(b []byte) bool {
	for cut := 0; cut < utf8.UTFMax && len(b) > 0; cut++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

func validCommune(code string) bool {
	if len(code) != 5 {
		return false
	}
	for _, r := range code {
		if !unicode.IsDigit(r) && r != 'A' && r != 'B' {
			return false
		}
	}
	return true
}

// splitAddress takes the house number and the street out of the geocoded
// address ("151 rue Danton 99350 Villeneuve-Exemple"), which has the
// street's spelling in mixed case; the postcode and the town are dropped.
// A row geocoded at street level has no number.
func splitAddress(geo, apiLine, geoType string) (number, street string) {
	s := geo
	if s == "" {
		s = apiLine
	}
	// Cut at the postcode: the first 5-digit word after the start.
	words := strings.Fields(s)
	for i := 1; i < len(words); i++ {
		if len(words[i]) == 5 && allDigits(words[i]) {
			words = words[:i]
			break
		}
	}
	if geoType != "street" && len(words) > 1 && startsWithDigit(words[0]) {
		number = words[0]
		words = words[1:]
		if len(words) > 1 && isNumberSuffix(words[0]) {
			number += " " + strings.ToLower(words[0])
			words = words[1:]
		}
	}
	return number, strings.Join(words, " ")
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func isNumberSuffix(w string) bool {
	switch strings.ToLower(w) {
	case "bis", "ter", "quater", "a", "b", "c", "d":
		return true
	}
	return false
}

// HouseNumberOrder is the number a walk list sorts on: 12 for "12 bis".
func HouseNumberOrder(number string) int {
	end := 0
	for end < len(number) && number[end] >= '0' && number[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(number[:end])
	if err != nil {
		return 0
	}
	return n
}
