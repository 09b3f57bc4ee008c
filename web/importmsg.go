package web

import (
	"regexp"
)

// The elections package explains what is wrong with an imported file in
// English (its messages are also the CLI's and the logs'). The web pages
// speak French: each known message is matched here, its values kept, and
// said again from the catalog ("import.*" keys). An unknown message is
// not shown as is: a French sentence says the file could not be read,
// and the detail goes to the log for the administrator.

type importMsg struct {
	re  *regexp.Regexp
	key string
	// names of the submatches, as the catalog message's fields.
	names []string
}

var importMsgs = []importMsg{
	{regexp.MustCompile(`^the file is empty$`), "import.empty", nil},
	{regexp.MustCompile(`^this is a spreadsheet or a zip archive, not a CSV text file`), "import.zip", nil},
	{regexp.MustCompile(`^this is a spreadsheet \(\.xlsx or \.ods\), not a text file`), "import.spreadsheet", nil},
	{regexp.MustCompile(`^the file is UTF-16 text`), "import.utf16", nil},
	{regexp.MustCompile(`^NUL byte`), "import.nul", nil},
	{regexp.MustCompile(`^the file mixes UTF-8 and Latin-1 text`), "import.mixed_encoding", nil},
	{regexp.MustCompile(`^only one column: this file seems separated by`), "import.comma_separated", nil},
	{regexp.MustCompile(`^only one column`), "import.one_column", nil},
	{regexp.MustCompile(`^column not found in the header$`), "import.column_missing", nil},
	{regexp.MustCompile(`^column missing from the header$`), "import.column_missing", nil},
	{regexp.MustCompile(`^no polling station rows after the header$`), "import.no_rows", nil},
	{regexp.MustCompile(`^no address rows after the header$`), "import.no_rows", nil},
	{regexp.MustCompile(`^polling station (\S+) of commune (\S+) already appears on line (\d+)$`), "import.duplicate_station", []string{"Station", "Commune", "Line"}},
	{regexp.MustCompile(`^missing: the line has only (\d+) columns$`), "import.short_line", []string{"N"}},
	{regexp.MustCompile(`^empty, a number is expected$`), "import.empty_number", nil},
	{regexp.MustCompile(`^empty$`), "import.empty_value", nil},
	{regexp.MustCompile(`^empty address$`), "import.empty_value", nil},
	{regexp.MustCompile(`^"(.*)" is not a whole number$`), "import.not_number", []string{"Value"}},
	{regexp.MustCompile(`^"(.*)" is not a number of electors$`), "import.not_number", []string{"Value"}},
	{regexp.MustCompile(`^more voters than registered \((\d+)\)$`), "import.more_voters", []string{"N"}},
	{regexp.MustCompile(`^Abstentions \((\d+)\) \+ Votants \((\d+)\) should equal Inscrits \((\d+)\)$`), "import.abstentions_sum", []string{"Abstentions", "Voters", "Registered"}},
	{regexp.MustCompile(`^Blancs \((\d+)\) \+ Nuls \((\d+)\) \+ Exprimés \((\d+)\) should equal Votants \((\d+)\)$`), "import.expressed_sum", []string{"Blank", "Null", "Expressed", "Voters"}},
	{regexp.MustCompile(`^incomplete candidate: each candidate takes (\d+) columns$`), "import.incomplete_candidate", []string{"N"}},
	{regexp.MustCompile(`^"(.*)" is not an INSEE commune code`), "import.bad_commune", []string{"Value"}},
	{regexp.MustCompile(`^"(.*)" is not <commune>_<polling station> for commune (\S+)$`), "import.bad_station", []string{"Value", "Commune"}},
	{regexp.MustCompile(`^"(.*)" is not a longitude$`), "import.bad_longitude", []string{"Value"}},
	{regexp.MustCompile(`^"(.*)" is not a latitude$`), "import.bad_latitude", []string{"Value"}},
	{regexp.MustCompile(`^bare " in non-quoted-field$|^extraneous or missing " in quoted-field$`), "import.quotes", nil},
	{regexp.MustCompile(`wrong number of fields$`), "import.field_count", nil},
	// Whole-file faults (not a line of the table).
	{regexp.MustCompile(`no polling station of the requested communes in this file$`), "import.no_commune_rows", nil},
	{regexp.MustCompile(`no address of the requested communes in this file$`), "import.no_commune_rows", nil},
	{regexp.MustCompile(`the label is longer than 200 characters$`), "import.label_too_long", nil},
	{regexp.MustCompile(`results file is larger than (\d+) MiB$`), "import.too_large", []string{"N"}},
	{regexp.MustCompile(`contours: the file is not in longitude/latitude`), "import.contours_projection", nil},
	{regexp.MustCompile(`^contours.*are not longitude/latitude`), "import.contours_projection", nil},
	{regexp.MustCompile(`contours: not a GeoJSON FeatureCollection`), "import.contours_not_geojson", nil},
	{regexp.MustCompile(`contours: the file has no features$`), "import.contours_empty", nil},
	{regexp.MustCompile(`^contours: (invalid JSON|the file ends too early)`), "import.contours_json", nil},
	{regexp.MustCompile(`^contours, feature (\d+): `), "import.contours_feature", []string{"N"}},
	{regexp.MustCompile(`^contours`), "import.contours_other", nil},
}

var candidateColumnRe = regexp.MustCompile(`^(.*) \(candidate (\d+)\)$`)

// importMessage says an import fault in the page's language.
func (h *Handlers) importMessage(lang, msg string) string {
	for _, m := range importMsgs {
		sub := m.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		args := make([]any, 0, 2*len(m.names))
		for i, name := range m.names {
			if i+1 < len(sub) {
				args = append(args, name, sub[i+1])
			}
		}
		return h.msgs.T(lang, m.key, args...)
	}
	h.Log.Info("web: import message without translation", "msg", msg)
	return h.msgs.T(lang, "import.unreadable")
}

// importColumn names a column of the file: as in the file's header,
// with "(candidate 2)" said in the page's language.
func (h *Handlers) importColumn(lang, column string) string {
	if m := candidateColumnRe.FindStringSubmatch(column); m != nil {
		return h.msgs.T(lang, "import.candidate_column", "Column", m[1], "N", m[2])
	}
	return column
}
