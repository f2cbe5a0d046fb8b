// Package file is the csv and jsonl connector: files in a folder are sources (a file, or a folder of files,
// streamed in batches) and targets (mirror rewrites a file atomically through a temporary file and a
// rename; append appends and fsyncs every batch).
package file
