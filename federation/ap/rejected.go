package ap

// RejectedError is the domain's refusal of a well-formed, authenticated
// activity (a forged relay, an unknown object...): the inbox answers 400
// with its reason.
type RejectedError struct{ Reason string }

func (e *RejectedError) Error() string { return e.Reason }
