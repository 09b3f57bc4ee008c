// Package elections is Coopol's territorial targeting (issue 8): it reads
// the official French results per polling station ("résultats par bureau
// de vote") and their contours, stores them for a section, ranks the
// stations by abstention, and draws them as an SVG map.
//
// This is the section's own working data, for its secretaries and
// moderators: the web layer checks who may see it, and nothing in this
// package, nor the storage it uses, is reachable from the federation code.
package elections

import (
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
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/coopol/coopol/model"
)

// MaxFileSize bounds what Parse reads into memory. The national file of
// a presidential round is about 70 MiB.
const MaxFileSize = 512 << 20

// Encodings reported in Results.Encoding.
const (
	EncodingUTF8   = "UTF-8"
	EncodingLatin1 = "Latin-1"
)

// Results is a parsed results file.
type Results struct {
	Encoding string // EncodingUTF8 or EncodingLatin1, as detected
	Rows     []Row
	Skipped  int // rows left out because their commune was not asked for
}

// Row is one polling station's results.
type Row struct {
	Line        int    // line in the file, for messages
	CommuneCode string // INSEE code, 5 characters
	CommuneName string
	StationCode string // "0001"
	Registered  int    // inscrits
	Abstentions int
	Voters      int // votants
	Blank       int // blancs
	Null        int // nuls (or "blancs et nuls" in files before 2014)
	Expressed   int // exprimés
	Candidates  []model.CandidateResult
}

// ParseError says where a results file could not be read. Line is
// 1-based (the header is line 1); Column is the column's name as the file
// spells it (or the name we looked for, when it is missing) and Field its
// 1-based position, 0 when the error is not about one field.
type ParseError struct {
	Line   int
	Field  int
	Column string
	Msg    string
}

func (e *ParseError) Error() string {
	switch {
	case e.Field > 0:
		return fmt.Sprintf("line %d, column %d (%q): %s", e.Line, e.Field, e.Column, e.Msg)
	case e.Column != "":
		return fmt.Sprintf("line %d, column %q: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Parse reads a results file: `;`-separated, UTF-8 or Latin-1, columns
// found by name, candidate columns repeated per candidate. It checks every
// row (numbers, and that the counts add up) and returns the first error as
// a *ParseError.
func Parse(r io.Reader) (*Results, error) {
	return parse(r, nil)
}

// parse keeps only the rows of the given communes (INSEE codes) when
// communes is not empty; the other rows are not checked beyond being
// readable, so a national file imports for one commune.
func parse(r io.Reader, communes map[string]bool) (*Results, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read results file: %w", err)
	}
	if len(raw) > MaxFileSize {
		return nil, fmt.Errorf("results file is larger than %d MiB", MaxFileSize>>20)
	}
	text, encoding, err := decode(raw)
	if err != nil {
		return nil, err
	}

	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1 // candidate columns repeat past the header
	cr.LazyQuotes = true    // official files do not quote; a stray " is text
	cr.ReuseRecord = true   // rows keep interned copies, never the record
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Line: 1, Msg: "the file is empty"}
	} else if err != nil {
		return nil, csvError(err)
	}
	// Cloned: with ReuseRecord the next Read would overwrite it, and the
	// header names the columns in every error message.
	cols, err := findColumns(slices.Clone(header))
	if err != nil {
		return nil, err
	}

	res := &Results{Encoding: encoding}
	seen := make(map[[2]string]int) // (commune, station) -> line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // a line of blanks or of bare separators
		}
		row, keep, err := cols.row(rec, line, communes)
		if err != nil {
			return nil, err
		}
		if !keep {
			res.Skipped++
			continue
		}
		key := [2]string{row.CommuneCode, row.StationCode}
		if first, dup := seen[key]; dup {
			return nil, cols.errAt(line, cols.station, fmt.Sprintf("polling station %s of commune %s already appears on line %d", row.StationCode, row.CommuneCode, first))
		}
		seen[key] = line
		res.Rows = append(res.Rows, row)
	}
	if len(res.Rows) == 0 {
		if res.Skipped > 0 {
			return nil, errors.New("no polling station of the requested communes in this file")
		}
		return nil, &ParseError{Line: 2, Msg: "no polling station rows after the header"}
	}
	return res, nil
}

// decode turns the raw bytes into text. A file that is valid UTF-8 is
// UTF-8; any other is read as Latin-1, in its Windows-1252 form, which is
// ISO-8859-1 plus printable characters (€, œ, ’) where ISO-8859-1 has
// control codes, and what spreadsheets on Windows write.
func decode(raw []byte) ([]byte, string, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")) // BOM
	switch {
	case bytes.HasPrefix(raw, []byte("\xFF\xFE")), bytes.HasPrefix(raw, []byte("\xFE\xFF")):
		return nil, "", &ParseError{Line: 1, Msg: "the file is UTF-16 text: save it as UTF-8 or Latin-1 (ISO-8859-1)"}
	case bytes.HasPrefix(raw, []byte("PK\x03\x04")):
		return nil, "", &ParseError{Line: 1, Msg: "this is a spreadsheet (.xlsx or .ods), not a text file: export it as CSV with ';' separators"}
	}
	if i := bytes.IndexByte(raw, 0); i >= 0 {
		line, field, column := position(raw, i)
		return nil, "", &ParseError{Line: line, Field: field, Column: column, Msg: "NUL byte: this is not a text file (UTF-16? a spreadsheet?)"}
	}
	if utf8.Valid(raw) {
		return raw, EncodingUTF8, nil
	}
	// Not UTF-8. If it nevertheless holds UTF-8 sequences, two encodings
	// were pasted together: reading it as Latin-1 would silently garble
	// the UTF-8 half, so say where the first non-UTF-8 byte is.
	if hasUTF8Sequence(raw) {
		line, field, column := position(raw, firstInvalidUTF8(raw))
		return nil, "", &ParseError{Line: line, Field: field, Column: column,
			Msg: "the file mixes UTF-8 and Latin-1 text (this value is not UTF-8, other lines are): save the whole file in one encoding"}
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, "", fmt.Errorf("decode Latin-1: %w", err)
	}
	return text, EncodingLatin1, nil
}

// hasUTF8Sequence reports a valid multi-byte UTF-8 sequence. French Latin-1
// text practically never has one: it would take an accented capital
// followed by a symbol such as « or °.
func hasUTF8Sequence(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError && size > 1 {
			return true
		}
		b = b[size:]
	}
	return false
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}

// position turns a byte offset into a 1-based line, the 1-based field
// within that line and that field's header name (read loosely: the header
// is ASCII apart from accents).
func position(raw []byte, offset int) (line, field int, column string) {
	line = 1 + bytes.Count(raw[:offset], []byte("\n"))
	start := bytes.LastIndexByte(raw[:offset], '\n') + 1
	field = 1 + bytes.Count(raw[start:offset], []byte(";"))
	headerLine, _, _ := bytes.Cut(raw, []byte("\n"))
	header := strings.Split(strings.TrimRight(looseString(headerLine), "\r"), ";")
	if field <= len(header) {
		column = header[field-1]
	}
	return line, field, column
}

func looseString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(s)
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("read results file: %w", err)
}

// Column roles, with the names (normalised by normalise) they go by in
// the files of the Ministry of the Interior over the years.
var fixedColumns = []struct {
	role    string
	display string // the name we say when the column is missing
	names   []string
}{
	{"department", "Code du département", []string{"code du departement", "code departement", "code dpt", "code du dpt"}},
	{"commune", "Code de la commune", []string{"code de la commune", "code commune", "code insee", "code insee commune", "code de commune"}},
	{"commune name", "Libellé de la commune", []string{"libelle de la commune", "libelle commune", "nom de la commune", "nom commune", "commune"}},
	{"station", "Code du b.vote", []string{"code du b vote", "code bv", "code b vote", "code du bureau de vote", "code bureau de vote", "code bureau", "bureau de vote", "n bureau", "numero du bureau", "numero de bureau"}},
	{"registered", "Inscrits", []string{"inscrits"}},
	{"abstentions", "Abstentions", []string{"abstentions"}},
	{"voters", "Votants", []string{"votants"}},
	{"blank", "Blancs", []string{"blancs"}},
	{"null", "Nuls", []string{"nuls"}},
	{"blank and null", "Blancs et nuls", []string{"blancs et nuls"}},
	{"expressed", "Exprimés", []string{"exprimes"}},
}

// candidateRole names what a candidate column holds, from its normalised
// name without its candidate number ("voix 3" -> "voix"), or "" for the
// columns we do not keep (percentages, seats, elected).
func candidateRole(name string) string {
	switch name {
	case "n panneau", "numero de panneau", "n de panneau", "panneau", "n liste", "numero de liste", "n de liste", "numero liste":
		return "panel"
	case "sexe", "sexe candidat", "sexe du candidat", "sexe tete de liste":
		return "sex"
	case "nom", "nom candidat", "nom du candidat", "nom tete de liste":
		return "last"
	case "prenom", "prenom candidat", "prenom du candidat", "prenom tete de liste":
		return "first"
	case "nuance", "nuance candidat", "nuance liste", "nuance de liste", "code nuance":
		return "nuance"
	case "liste", "libelle de liste", "libelle liste", "libelle abrege liste", "libelle abrege de liste", "libelle etendu liste":
		return "list"
	case "voix":
		return "votes"
	}
	return ""
}

type columns struct {
	header []string
	idx    map[string]int // role -> 0-based index, absent if missing
	// strs shares the texts that repeat on every row (candidates, commune
	// names, station codes): a national file takes a third of the memory,
	// and rows no longer hold on to their whole line.
	strs map[string]string

	station   int
	candStart int      // -1 without candidate columns
	candRoles []string // role of each column of one candidate's block
}

// trailingNumber drops a candidate number: "voix 3" -> "voix".
func trailingNumber(s string) string {
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			return s[:i]
		}
	}
	return s
}

// normalise makes header names comparable across files: lower case, no
// accents, punctuation as single spaces ("Code du b.vote" -> "code du b
// vote", "N°Panneau" -> "n panneau").
func normalise(name string) string {
	// A transformer keeps state: one per call, so Parse is safe to run
	// from several goroutines (web uploads).
	stripAccents := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(stripAccents, name)
	if err != nil {
		s = name
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		} else {
			space = true
		}
	}
	return b.String()
}

func findColumns(header []string) (*columns, error) {
	if len(header) == 1 {
		msg := "only one column: the separator must be ';'"
		if strings.ContainsAny(header[0], ",\t") {
			msg = "only one column: this file seems separated by ',' or tabs, the official files use ';'"
		}
		return nil, &ParseError{Line: 1, Msg: msg}
	}
	c := &columns{header: header, idx: make(map[string]int), strs: make(map[string]string), candStart: -1}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = normalise(h)
	}
	lastFixed := -1
	for _, fc := range fixedColumns {
		for i, n := range names {
			if _, taken := c.idx[fc.role]; !taken && slices.Contains(fc.names, n) {
				c.idx[fc.role] = i
				lastFixed = max(lastFixed, i)
			}
		}
	}
	missing := func(role string) error {
		for _, fc := range fixedColumns {
			if fc.role == role {
				return &ParseError{Line: 1, Column: fc.display, Msg: "column not found in the header"}
			}
		}
		return &ParseError{Line: 1, Column: role, Msg: "column not found in the header"}
	}
	for _, role := range []string{"commune", "station", "registered", "expressed"} {
		if _, ok := c.idx[role]; !ok {
			return nil, missing(role)
		}
	}
	_, hasAbs := c.idx["abstentions"]
	_, hasVoters := c.idx["voters"]
	if !hasAbs && !hasVoters {
		return nil, missing("voters")
	}
	_, hasBlank := c.idx["blank"]
	_, hasNull := c.idx["null"]
	_, hasBoth := c.idx["blank and null"]
	switch {
	case hasBlank && !hasNull:
		return nil, missing("null")
	case !hasBlank && !hasBoth:
		return nil, missing("blank")
	}
	c.station = c.idx["station"]

	// Candidates: the block starts at the first candidate column after the
	// fixed ones and is as wide as the distance to the next column of the
	// same name (newer files number them: "Voix 1", "Voix 2"), or runs to
	// the end of the header (older files name one block and repeat it).
	for i := lastFixed + 1; i < len(names); i++ {
		if candidateRole(trailingNumber(names[i])) != "" {
			c.candStart = i
			break
		}
	}
	end := len(names)
	for end > 0 && names[end-1] == "" {
		end-- // a header ending in ';': not a column of the block
	}
	if c.candStart >= 0 {
		first := trailingNumber(names[c.candStart])
		width := end - c.candStart
		for j := c.candStart + 1; j < end; j++ {
			if trailingNumber(names[j]) == first {
				width = j - c.candStart
				break
			}
		}
		for j := c.candStart; j < c.candStart+width; j++ {
			c.candRoles = append(c.candRoles, candidateRole(trailingNumber(names[j])))
		}
		if !slices.Contains(c.candRoles, "votes") {
			c.candStart, c.candRoles = -1, nil // no votes: nothing worth keeping
		}
	}
	return c, nil
}

// errAt builds a ParseError for field i of a row.
func (c *columns) errAt(line, i int, msg string) error {
	name := ""
	if i < len(c.header) {
		name = c.header[i]
	} else if c.candStart >= 0 && i >= c.candStart {
		// Past the header: a repeated candidate column, named after the
		// first block.
		k := (i - c.candStart) % len(c.candRoles)
		name = fmt.Sprintf("%s (candidate %d)", c.header[c.candStart+k], (i-c.candStart)/len(c.candRoles)+1)
	}
	return &ParseError{Line: line, Field: i + 1, Column: name, Msg: msg}
}

func (c *columns) text(rec []string, role string) string {
	i, ok := c.idx[role]
	if !ok || i >= len(rec) {
		return ""
	}
	return c.intern(rec[i])
}

func (c *columns) intern(s string) string {
	s = strings.TrimSpace(s)
	if v, ok := c.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	c.strs[s] = s
	return s
}

// number reads a whole count. Thousands may be grouped with spaces
// ("1 151"), as spreadsheets sometimes write them.
func (c *columns) number(rec []string, line int, role string) (int, error) {
	i := c.idx[role]
	return c.numberAt(rec, line, i)
}

func (c *columns) numberAt(rec []string, line, i int) (int, error) {
	if i >= len(rec) {
		return 0, c.errAt(line, i, fmt.Sprintf("missing: the line has only %d columns", len(rec)))
	}
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, rec[i])
	if s == "" {
		return 0, c.errAt(line, i, "empty, a number is expected")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, c.errAt(line, i, fmt.Sprintf("%q is not a whole number", rec[i]))
	}
	return n, nil
}

// row reads one record; keep is false when its commune was not asked for.
func (c *columns) row(rec []string, line int, communes map[string]bool) (Row, bool, error) {
	for _, role := range []string{"commune", "station"} {
		i := c.idx[role]
		if i >= len(rec) {
			return Row{}, false, c.errAt(line, i, fmt.Sprintf("missing: the line has only %d columns", len(rec)))
		}
		if strings.TrimSpace(rec[i]) == "" {
			return Row{}, false, c.errAt(line, i, "empty")
		}
	}
	row := Row{
		Line:        line,
		CommuneCode: c.intern(communeCode(c.text(rec, "department"), c.text(rec, "commune"))),
		CommuneName: c.text(rec, "commune name"),
		StationCode: c.intern(stationCode(c.text(rec, "station"))),
	}
	if len(communes) > 0 && !communes[row.CommuneCode] {
		return Row{}, false, nil
	}

	var err error
	num := func(role string, dst *int) {
		if _, ok := c.idx[role]; ok && err == nil {
			*dst, err = c.number(rec, line, role)
		}
	}
	num("registered", &row.Registered)
	row.Abstentions, row.Voters = -1, -1
	num("abstentions", &row.Abstentions)
	num("voters", &row.Voters)
	num("blank", &row.Blank)
	num("null", &row.Null)
	if _, ok := c.idx["blank"]; !ok {
		num("blank and null", &row.Null)
	}
	num("expressed", &row.Expressed)
	if err != nil {
		return Row{}, false, err
	}

	// The counts must add up: a mismatch means a shifted or misread column,
	// and a wrong abstention rate would send canvassers to the wrong street.
	switch {
	case row.Voters < 0:
		row.Voters = row.Registered - row.Abstentions
	case row.Abstentions < 0:
		row.Abstentions = row.Registered - row.Voters
	}
	if row.Voters > row.Registered || row.Voters < 0 {
		i, ok := c.idx["voters"]
		if !ok {
			i = c.idx["abstentions"]
		}
		return Row{}, false, c.errAt(line, i, fmt.Sprintf("more voters than registered (%d)", row.Registered))
	}
	if row.Abstentions+row.Voters != row.Registered {
		return Row{}, false, c.errAt(line, c.idx["abstentions"], fmt.Sprintf("Abstentions (%d) + Votants (%d) should equal Inscrits (%d)", row.Abstentions, row.Voters, row.Registered))
	}
	if sum := row.Blank + row.Null + row.Expressed; sum != row.Voters {
		return Row{}, false, c.errAt(line, c.idx["expressed"], fmt.Sprintf("Blancs (%d) + Nuls (%d) + Exprimés (%d) should equal Votants (%d)", row.Blank, row.Null, row.Expressed, row.Voters))
	}

	row.Candidates, err = c.candidates(rec, line)
	if err != nil {
		return Row{}, false, err
	}
	return row, true, nil
}

func (c *columns) candidates(rec []string, line int) ([]model.CandidateResult, error) {
	if c.candStart < 0 || c.candStart >= len(rec) {
		return []model.CandidateResult{}, nil
	}
	width := len(c.candRoles)
	out := make([]model.CandidateResult, 0, (len(rec)-c.candStart+width-1)/width) // exact: rows are many
	for start := c.candStart; start < len(rec); start += width {
		block := rec[start:min(start+width, len(rec))]
		if blank(block) {
			continue // a trailing ';' or a station with fewer candidates
		}
		if len(block) < width {
			return nil, c.errAt(line, len(rec)-1, fmt.Sprintf("incomplete candidate: each candidate takes %d columns", width))
		}
		var cand model.CandidateResult
		for k, role := range c.candRoles {
			v := ""
			if role != "votes" && role != "" {
				v = c.intern(block[k])
			}
			switch role {
			case "panel":
				cand.Panel = v
			case "sex":
				cand.Sex = v
			case "last":
				cand.LastName = v
			case "first":
				cand.FirstName = v
			case "nuance":
				cand.Nuance = v
			case "list":
				if cand.List == "" {
					cand.List = v
				}
			case "votes":
				n, err := c.numberAt(rec, line, start+k)
				if err != nil {
					return nil, err
				}
				cand.Votes = n
			}
		}
		out = append(out, cand)
	}
	return out, nil
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// communeCode returns the 5-character INSEE code. Older files give the
// department ("01") and the commune's number within it ("004"); newer ones
// the full code. Old overseas department codes (ZA, ZB...) become 97.
func communeCode(dept, commune string) string {
	if len(commune) >= 5 || dept == "" {
		return commune
	}
	if len(dept) == 1 && digits(dept) {
		dept = "0" + dept
	}
	if strings.HasPrefix(dept, "Z") && len(commune) == 3 {
		return "97" + commune
	}
	if len(dept)+len(commune) > 5 {
		return commune
	}
	if digits(commune) {
		commune = strings.Repeat("0", 5-len(dept)-len(commune)) + commune
	}
	return dept + commune
}

// stationCode pads numeric codes to four digits ("1" -> "0001") so that
// results and contours written either way match.
func stationCode(code string) string {
	code = strings.TrimSpace(code)
	if digits(code) && len(code) < 4 {
		return strings.Repeat("0", 4-len(code)) + code
	}
	return strings.ToUpper(code)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
