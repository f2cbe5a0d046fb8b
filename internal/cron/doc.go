// Package cron parses standard five-field cron expressions (minute hour day-of-month month day-of-week)
// and computes when one next fires, for the schedules of `oneway serve`.
package cron
