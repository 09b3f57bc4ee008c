package ap

// A section vouches for one of its people as a verified adherent with the
// `coopol:adherent` term on their actor document. Coopol shows it only to
// signed fetches from the party's sections (party membership is sensitive)
// and believes it only from those (social/admission.go).

// AssertAdherent adds the adherent term to a local person's document.
func AssertAdherent(doc Document) {
	doc["@context"] = mergeContext(doc["@context"], map[string]any{"coopol": CoopolNS, "adherent": "coopol:adherent"})
	doc["adherent"] = true
}

// VouchesAdherent reads the adherent term of a fetched actor document.
func VouchesAdherent(doc map[string]any) bool {
	short, _ := doc["adherent"].(bool)
	long, _ := doc["coopol:adherent"].(bool)
	return short || long
}
