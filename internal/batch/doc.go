// Package batch is the batch orchestrator (the original's Batch
// Orchestrator and Batch Conductor): it registers batches, resolves a
// requested pipeline into ordered phases from the phase dependencies, skips
// phases a batch already completed, starts each phase with the essays that
// came through the previous one, and reports the pipeline's completion.
// It consumes only thin events; it never decodes business results.
package batch
