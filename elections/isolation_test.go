package elections

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Election results are the section's own working data: the federation
// code must not be able to reach them. This reads the federation package
// tree's source and fails if it imports this package, calls the election
// storage functions, or names the election tables in SQL.
func TestFederationCannotReachElections(t *testing.T) {
	root := filepath.Join("..", "federation")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no federation package: %v", err)
	}
	findings, checked, err := electionUses(root)
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no federation source found: the check checks nothing")
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// The check itself finds each kind of use.
func TestElectionUsesFindsThem(t *testing.T) {
	dir := t.TempDir()
	src := `package federation

import "github.com/coopol/coopol/elections"

func leak(s interface{ ElectionResults() }) {
	s.ElectionResults()
	_ = "SELECT * FROM station_results"
	_ = elections.ByChange
}
`
	if err := os.WriteFile(filepath.Join(dir, "leak.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	findings, checked, err := electionUses(dir)
	if err != nil || checked != 1 || len(findings) != 3 {
		t.Fatalf("%v, %d files, findings: %q", err, checked, findings)
	}
}

// electionUses lists, in the Go files under root, the imports of this
// package, the calls of the election storage functions and the SQL
// strings naming the election tables.
func electionUses(root string) (findings []string, checked int, err error) {
	storageFuncs := map[string]bool{
		"ImportElection": true, "SetStationShapes": true, "Elections": true, "Election": true, "ElectionByLabel": true,
		"DeleteElection": true, "ElectionResults": true, "ElectionCommunes": true, "PollingStation": true,
		// Door to door: the address file and the turfs.
		"ImportAddresses": true, "WalkList": true, "DoorTotals": true, "Efforts": true, "ReplaceTurfs": true,
		"Turfs": true, "Turf": true, "TurfsAssignedTo": true, "AssignTurf": true, "TickDoor": true, "PollingStations": true, "ActionReport": true, "SaveActionReport": true, "DoorOutcomeCounts": true,
	}
	tables := []string{"polling_stations", "station_results", "elections", "addresses", "turfs", "turf_doors", "action_reports", "action_attendance"}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			// Someone's work in progress: the compiler will say it.
			return nil
		}
		checked++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "github.com/coopol/coopol/elections") {
				findings = append(findings, fmt.Sprintf("%s imports %s", path, p))
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false // checked above; its path is no SQL
			case *ast.SelectorExpr:
				if storageFuncs[n.Sel.Name] {
					findings = append(findings, fmt.Sprintf("%s: uses %s, an election storage function", fset.Position(n.Pos()), n.Sel.Name))
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					for _, table := range tables {
						if strings.Contains(n.Value, table) {
							findings = append(findings, fmt.Sprintf("%s: names the %s table", fset.Position(n.Pos()), table))
						}
					}
				}
			}
			return true
		})
		return nil
	})
	return findings, checked, err
}
