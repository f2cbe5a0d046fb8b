// Package schedule runs jobs on their schedules (a fixed interval or a cron expression) without ever
// overlapping two runs of the same job: a run that outlasts its interval delays the next one, which then
// happens once, never once per missed tick. Time comes from a Clock, so tests drive it with a Fake.
package schedule
