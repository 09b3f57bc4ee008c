package elections

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/coopol/coopol/model"
)

const (
	sampleUTF8     = "resultats-burvot-t1-exemple-utf8.csv"
	sampleLatin1   = "resultats-burvot-t1-exemple.txt"
	sampleContours = "contours-bureaux-exemple.geojson"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editLine rewrites line n (1-based) of a ';' file, CRLF or LF.
func editLine(data []byte, n int, edit func(fields []string) []string) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	line := string(lines[n-1])
	body := strings.TrimRight(line, "\r\n")
	end := line[len(body):]
	lines[n-1] = []byte(strings.Join(edit(strings.Split(body, ";")), ";") + end)
	return bytes.Join(lines, nil)
}

func editAllLines(data []byte, edit func(fields []string) []string) []byte {
	n := bytes.Count(bytes.TrimRight(data, "\r\n"), []byte("\n")) + 1
	for i := 1; i <= n; i++ {
		data = editLine(data, i, edit)
	}
	return data
}

func set(i int, v string) func([]string) []string {
	return func(f []string) []string { f[i] = v; return f }
}

type brokenFile struct {
	name   string
	data   []byte
	line   int
	field  int    // 0 when the error is not about one field
	column string // "" when the error names no column
	msg    string // part of the message
}

// brokenFiles are the sample with one fault each, and where the fault is.
// Fields (0-based in set): 5 commune name, 6 station, 7 Inscrits,
// 8 Abstentions, 10 Votants, 18 Exprimés, 21 first candidate column.
func brokenFiles(t *testing.T) []brokenFile {
	utf8File := readSample(t, sampleUTF8)
	latin1 := readSample(t, sampleLatin1)
	withoutRegistered := editAllLines(bytes.Clone(utf8File), func(f []string) []string { return append(f[:7:7], f[8:]...) })

	// A UTF-8 file with one line saved in Latin-1 (\xC9 is É).
	mixed := editLine(bytes.Clone(utf8File), 15, set(5, "Villeneuve-\xC9xemple"))

	var utf16 bytes.Buffer
	utf16.WriteString("\xFF\xFE")
	for _, u := range utf16Encode(string(utf8File)) {
		utf16.WriteByte(byte(u))
		utf16.WriteByte(byte(u >> 8))
	}

	return []brokenFile{
		{name: "missing column", data: withoutRegistered, line: 1, column: "Inscrits", msg: "not found"},
		{name: "bad number", data: editLine(bytes.Clone(utf8File), 12, set(7, "1O05")), line: 12, field: 8, column: "Inscrits", msg: `"1O05" is not a whole number`},
		{name: "bad number in Latin-1", data: editLine(bytes.Clone(latin1), 20, set(18, "x")), line: 20, field: 19, column: "Exprimés", msg: "not a whole number"},
		{name: "decimal comma in a count", data: editLine(bytes.Clone(utf8File), 3, set(10, "492,5")), line: 3, field: 11, column: "Votants", msg: "not a whole number"},
		{name: "empty count", data: editLine(bytes.Clone(utf8File), 4, set(8, "")), line: 4, field: 9, column: "Abstentions", msg: "empty"},
		{name: "bad candidate votes", data: editLine(bytes.Clone(utf8File), 7, set(21+2*7+4, "abc")), line: 7, field: 40, column: "Voix (candidate 3)", msg: "not a whole number"},
		{name: "short line", data: editLine(bytes.Clone(utf8File), 5, func(f []string) []string { return f[:9] }), line: 5, field: 11, column: "Votants", msg: "the line has only 9 columns"},
		{name: "counts do not add up", data: editLine(bytes.Clone(utf8File), 9, set(8, "301")), line: 9, field: 9, column: "Abstentions", msg: "should equal Inscrits"},
		{name: "ballots do not add up", data: editLine(bytes.Clone(utf8File), 10, set(18, "1")), line: 10, field: 19, column: "Exprimés", msg: "should equal Votants"},
		{name: "duplicate station", data: editLine(bytes.Clone(utf8File), 25, set(6, "0003")), line: 25, field: 7, column: "Code du b.vote", msg: "already appears on line 4"},
		{name: "mixed encodings", data: mixed, line: 15, field: 6, column: "Libellé de la commune", msg: "mixes UTF-8 and Latin-1"},
		{name: "UTF-16", data: utf16.Bytes(), line: 1, msg: "UTF-16"},
		{name: "comma separated", data: []byte(strings.ReplaceAll(string(utf8File), ";", ",")), line: 1, msg: "separated by ','"},
		{name: "header only", data: bytes.SplitAfter(utf8File, []byte("\n"))[0], line: 2, msg: "no polling station"},
		{name: "empty", data: nil, line: 1, msg: "empty"},
	}
}

func utf16Encode(s string) []uint16 { return utf16.Encode([]rune(s)) }

func TestParseSamples(t *testing.T) {
	utf8Results, err := Parse(bytes.NewReader(readSample(t, sampleUTF8)))
	if err != nil {
		t.Fatal(err)
	}
	latin1Results, err := Parse(bytes.NewReader(readSample(t, sampleLatin1)))
	if err != nil {
		t.Fatal(err)
	}
	if utf8Results.Encoding != EncodingUTF8 || latin1Results.Encoding != EncodingLatin1 {
		t.Fatalf("encodings: %s and %s", utf8Results.Encoding, latin1Results.Encoding)
	}
	if len(utf8Results.Rows) != 24 {
		t.Fatalf("%d rows, want 24", len(utf8Results.Rows))
	}
	// The same rows, whatever the encoding and line ends.
	if !reflect.DeepEqual(utf8Results.Rows, latin1Results.Rows) {
		t.Fatal("the Latin-1 and UTF-8 samples parse differently")
	}
	first := utf8Results.Rows[0]
	want := Row{Line: 2, CommuneCode: "99350", CommuneName: "Villeneuve-Exemple", StationCode: "0001",
		Registered: 809, Abstentions: 213, Voters: 596, Blank: 27, Null: 15, Expressed: 554,
		Candidates: []model.CandidateResult{
			{Panel: "1", Sex: "M", LastName: "DUPONT", FirstName: "Claire", Votes: 209},
			{Panel: "2", Sex: "F", LastName: "MARTIN", FirstName: "Sophie", Votes: 216},
			{Panel: "3", Sex: "M", LastName: "BERNARD", FirstName: "Luc", Votes: 74},
			{Panel: "4", Sex: "F", LastName: "PETIT", FirstName: "Amina", Votes: 55},
		}}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("first row:\n got %+v\nwant %+v", first, want)
	}
	last := utf8Results.Rows[23]
	if last.Line != 25 || last.StationCode != "0024" || last.Registered != 818 || last.Abstentions != 161 {
		t.Fatalf("last row: %+v", last)
	}
}

func TestParseBrokenFiles(t *testing.T) {
	for _, bf := range brokenFiles(t) {
		t.Run(bf.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(bf.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want a *ParseError, got %v", err)
			}
			if pe.Line != bf.line || pe.Field != bf.field || pe.Column != bf.column || !strings.Contains(pe.Msg, bf.msg) {
				t.Fatalf("got line %d field %d column %q msg %q\nwant line %d field %d column %q msg containing %q",
					pe.Line, pe.Field, pe.Column, pe.Msg, bf.line, bf.field, bf.column, bf.msg)
			}
			// The message a secretary reads names the line and the column.
			text := err.Error()
			if !strings.Contains(text, "line ") || (bf.column != "" && !strings.Contains(text, bf.column)) {
				t.Fatalf("message does not say where: %s", text)
			}
		})
	}
}

// Column names and order shift between elections: a 2024-style file
// (full INSEE code, numbered candidate columns, extra columns, station
// codes without zeros) and a pre-2014 one ("Blancs et nuls", department
// and commune number apart) read the same way.
func TestParseHeaderVariants(t *testing.T) {
	newStyle := "Code département;Libellé département;Code commune;Libellé commune;Code BV;Inscrits;Votants;% Votants;Abstentions;% Abstentions;Exprimés;% Exprimés/inscrits;Blancs;% Blancs/inscrits;Nuls;% Nuls/inscrits;Numéro de panneau 1;Nuance candidat 1;Nom candidat 1;Prénom candidat 1;Sexe candidat 1;Voix 1;% Voix/inscrits 1;Elu 1;Numéro de panneau 2;Nuance candidat 2;Nom candidat 2;Prénom candidat 2;Sexe candidat 2;Voix 2;% Voix/inscrits 2;Elu 2\n" +
		"99;Exemple;99350;Villeneuve-Exemple;1;1 000;600;60,00;400;40,00;580;58,00;12;1,20;8;0,80;1;DVG;DUPONT;Claire;F;300;30,00;;2;DVD;MARTIN;Luc;M;280;28,00;\n" +
		"99;Exemple;99350;Villeneuve-Exemple;12;500;250;50,00;250;50,00;240;48,00;6;1,20;4;0,80;1;DVG;DUPONT;Claire;F;240;48,00;;;;;;;;;\n"
	res, err := Parse(strings.NewReader(newStyle))
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	if r.CommuneCode != "99350" || r.StationCode != "0001" || r.Registered != 1000 || r.Abstentions != 400 || r.Blank != 12 || r.Null != 8 || r.Expressed != 580 {
		t.Fatalf("new-style row: %+v", r)
	}
	wantCands := []model.CandidateResult{
		{Panel: "1", Nuance: "DVG", LastName: "DUPONT", FirstName: "Claire", Sex: "F", Votes: 300},
		{Panel: "2", Nuance: "DVD", LastName: "MARTIN", FirstName: "Luc", Sex: "M", Votes: 280},
	}
	if !reflect.DeepEqual(r.Candidates, wantCands) {
		t.Fatalf("new-style candidates: %+v", r.Candidates)
	}
	if r2 := res.Rows[1]; r2.StationCode != "0012" || len(r2.Candidates) != 1 {
		t.Fatalf("station with fewer candidates: %+v", r2)
	}

	// Rows exactly as wide as the header: errors still name the right column.
	_, err = Parse(strings.NewReader(strings.Replace(newStyle, ";500;250;50,00;", ";500;2S0;50,00;", 1)))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Column != "Votants" {
		t.Fatalf("error in an equal-width file: %v", err)
	}

	old := "Code du département;Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;Votants;Blancs et nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Nuance;Voix;% Voix/Ins;% Voix/Exp;\r\n" +
		"1;4;Ambérieu;0002;900;450;10;440;1;M;DURAND;Paul;SOC;400;44,44;90,91;2;F;LEROY;Anne;COM;40;4,44;9,09;\r\n"
	res, err = Parse(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	r = res.Rows[0]
	if r.CommuneCode != "01004" || r.Abstentions != 450 || r.Null != 10 || r.Blank != 0 || len(r.Candidates) != 2 ||
		r.Candidates[0].Nuance != "SOC" || r.Candidates[1].LastName != "LEROY" || r.Candidates[1].Votes != 40 {
		t.Fatalf("old-style row: %+v", r)
	}
}

func TestCodes(t *testing.T) {
	for _, c := range []struct{ dept, commune, want string }{
		{"", "99350", "99350"}, {"99", "99350", "99350"}, {"01", "004", "01004"}, {"1", "4", "01004"},
		{"2A", "004", "2A004"}, {"971", "01", "97101"}, {"ZA", "101", "97101"}, {"75", "056", "75056"},
	} {
		if got := communeCode(c.dept, c.commune); got != c.want {
			t.Errorf("communeCode(%q, %q) = %q, want %q", c.dept, c.commune, got, c.want)
		}
	}
	for in, want := range map[string]string{"1": "0001", "0012": "0012", " 7 ": "0007", "12345": "12345", "1a": "1A"} {
		if got := stationCode(in); got != want {
			t.Errorf("stationCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessRound(t *testing.T) {
	for label, want := range map[string]int{
		"Présidentielle 2022 T1": 1, "Présidentielle 2022 t2": 2, "Législatives 2024 2e tour": 2,
		"Municipales 2020 1er tour": 1, "Régionales second tour": 2, "Européennes 2024": 0, "Cantonales 2015 T3": 0,
	} {
		if got := GuessRound(label); got != want {
			t.Errorf("GuessRound(%q) = %d, want %d", label, got, want)
		}
	}
}

func TestParseContours(t *testing.T) {
	cs, err := ParseContours(bytes.NewReader(readSample(t, sampleContours)))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 24 || cs[0].Key() != "99350_0001" || cs[0].CommuneName != "Villeneuve-Exemple" || cs[23].Key() != "99350_0024" {
		t.Fatalf("contours: %d, first %+v", len(cs), cs[0])
	}
	if _, err := cs[0].GeoJSON(); err != nil {
		t.Fatal(err)
	}

	square := `[[[2.37,48.85],[2.376,48.85],[2.376,48.854],[2.37,48.85]]]`
	feature := func(props, geometry string) string {
		return `{"type":"Feature","properties":` + props + `,"geometry":` + geometry + `}`
	}
	collection := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	// Numbers for codes, the code only in codeBureauVote, a station in two pieces.
	ok := collection(
		feature(`{"codeCommune":"99350","numeroBureauVote":1}`, `{"type":"Polygon","coordinates":`+square+`}`),
		feature(`{"codeBureauVote":"99350_0002"}`, `{"type":"Polygon","coordinates":`+square+`}`),
		feature(`{"codeCommune":"99350","numeroBureauVote":"0001"}`, `{"type":"Polygon","coordinates":`+square+`}`),
	)
	cs, err = ParseContours(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Key() != "99350_0001" || cs[1].Key() != "99350_0002" || cs[0].Geometry.GeoJSONType() != "MultiPolygon" {
		t.Fatalf("variants: %+v", cs)
	}

	for name, c := range map[string]struct{ data, msg string }{
		"Lambert-93":  {collection(feature(`{"codeBureauVote":"99350_0001"}`, `{"type":"Polygon","coordinates":[[[652000,6862000],[652100,6862000],[652100,6862100],[652000,6862000]]]}`)), "feature 1 (99350_0001): coordinates (652000, 6.862e+06) are not longitude/latitude"},
		"a point":     {collection(feature(`{"codeBureauVote":"99350_0001"}`, `{"type":"Point","coordinates":[2.3,48.8]}`)), "feature 1 (99350_0001): geometry is a Point"},
		"no codes":    {collection(feature(`{"nom":"x"}`, `{"type":"Polygon","coordinates":`+square+`}`)), "feature 1: no commune code"},
		"not JSON":    {`{"type":"FeatureCollection","features":[{`, "contours"},
		"no features": {`{"type":"Feature","properties":{},"geometry":null}`, "not a GeoJSON FeatureCollection"},
		"projected":   {`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[]}`, "not in longitude/latitude"},
	} {
		_, err := ParseContours(strings.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.msg)
		}
	}
}
