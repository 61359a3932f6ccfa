using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Pipelines.Transforms;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using Polly;

namespace OpsAutomation.Core.Pipelines;

/// <summary>Runs one step: read, then validate and transform in parallel, then load in source order.</summary>
internal sealed class StepRunner(string pipeline, string runId, PipelineStepPlan step, int stepNumber, int stepCount,
    IRecordSource source, IRecordSink sink, PipelineServices services)
{
    private sealed record RawBatch(long Sequence, List<SourceItem> Items);

    private sealed record Rejection(SourceItem Item, PipelineStage Stage, string Error);

    /// <param name="Record">The validated copy, its values coerced.</param>
    private readonly record struct Verdict(DataRecord Record, IReadOnlyList<ValidationFailure> Failures);

    /// <param name="Origins">The source item each loaded record came from: a refused record's dead letter keeps the original.</param>
    private sealed record ProcessedBatch(long Sequence, long LastPosition, int ItemCount, List<DataRecord> Records, List<SourceItem> Origins,
        List<Rejection> Rejections, int Filtered, long? StopAfter);

    /// <summary>Batches read and not yet written, per worker, when there is more than one.</summary>
    internal const int InFlightPerWorker = 2;

    // Consecutive shape transforms as one (see ShapeTransformChain), in an array: a foreach over the
    // plan's list made an enumerator per record.
    private readonly IRecordTransform[] _transforms = ShapeTransformChain.Fuse(step.Transforms);

    private long _retried;

    // Records the reader has handed on; less the ones committed, the step's backlog (its lag).
    private long _read;

    // The first invalid record of a fail-fast step, once the writer has committed the records before it.
    private long? _failFastAt;
    private string? _failFastLocation;
    private string? _failFastReason;
    private volatile bool _stopReading;

    public async Task<PipelineStepRun> RunAsync(PipelineStepRun? previous, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var earlier = previous?.Duration ?? TimeSpan.Zero;
        var committed = StepCheckpoint.None;
        string? error = null;
        var status = PipelineRunStatus.Running;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            committed = await sink.OpenAsync(new SinkContext(pipeline, step.Name, runId) { Replay = step.Replay ? new SinkReplay(step.UniqueColumns) : null }, cancellationToken).ConfigureAwait(false);
            var start = committed;
            // Batches waiting between the stages: each is BatchSize records held in memory. One per two
            // workers kept the same speed as four in all on 2 cores (1M rows to SQLite), at 50 MB less peak memory.
            var waiting = Math.Max(1, step.Parallelism / 2);
            var raw = Channel.CreateBounded<RawBatch>(new BoundedChannelOptions(waiting) { SingleWriter = true });
            // With workers, batches can finish out of order and wait in the writer for the one before
            // them; a stalled batch would let the others pile up there. The reader takes a slot per
            // batch and the writer returns it once the batch is committed, so the batches read and not
            // yet written stay within two per worker (one in its hands, one done and waiting its turn).
            // One worker's batches go through in order and need no slots.
            using var inFlight = step.Parallelism > 1 ? new SemaphoreSlim(InFlightPerWorker * step.Parallelism) : null;
            var reader = Task.Run(() => ReadAsync(start.Position, raw.Writer, inFlight, stop.Token), stop.Token);
            IAsyncEnumerable<ProcessedBatch> processed;
            Task[] workers;
            if (step.Parallelism <= 1)
            {
                // One worker would only hand its batches to the writer; the writer validates and
                // transforms them itself, which saves the hand-over and keeps fewer records alive.
                processed = ProcessInline(raw.Reader, stop.Token);
                workers = [];
            }
            else
            {
                var channel = Channel.CreateBounded<ProcessedBatch>(new BoundedChannelOptions(waiting) { SingleReader = true });
                // A verdict that depends on the records before it (a unique column) must see them in
                // source order: workers validate by turns, and transform in parallel.
                var turns = step.ValidationRemembers && step.Validate is not null ? new BatchTurns() : null;
                workers = [.. Enumerable.Range(0, step.Parallelism).Select(_ => Task.Run(() => ProcessAsync(raw.Reader, channel.Writer, turns, stop.Token), stop.Token))];
                _ = Task.WhenAll(workers).ContinueWith(t => channel.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
                processed = channel.Reader.ReadAllAsync(stop.Token);
            }
            Exception? writeFailure = null;
            try
            {
                committed = await WriteAsync(processed, start, clock, earlier, c => committed = c, inFlight, stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                writeFailure = ex;
            }
            // Whatever ended the writer stops the reader and workers, so none is left running.
            await stop.CancelAsync().ConfigureAwait(false);
            var readFailure = await Quietly(reader).ConfigureAwait(false);
            foreach (var worker in workers) await Quietly(worker).ConfigureAwait(false);

            var first = writeFailure is OperationCanceledException && readFailure is not null and not OperationCanceledException ? readFailure : writeFailure ?? readFailure;
            if (first is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                status = PipelineRunStatus.Cancelled;
                error = "Cancelled; resume the run to continue after its last checkpoint.";
            }
            else if (first is not null and not OperationCanceledException)
            {
                throw first;
            }
            else if (_failFastAt is { } position)
            {
                status = PipelineRunStatus.Failed;
                error = $"Validation failed at {_failFastLocation} (position {position}) and the step is fail-fast: {_failFastReason}";
            }
            else
            {
                await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
                var rate = committed.RecordsIn > 0 ? (double)committed.Rejected / committed.RecordsIn : 0;
                if (step.MaxRejectionRate is { } limit && rate > limit)
                {
                    status = PipelineRunStatus.Failed;
                    error = $"{committed.Rejected} of {committed.RecordsIn} records were rejected ({rate:P1}), more than the step's MaxRejectionRate of {limit:P1}.";
                }
                else
                {
                    status = committed.Rejected > 0 ? PipelineRunStatus.CompletedWithRejections : PipelineRunStatus.Succeeded;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = PipelineRunStatus.Failed;
            error = ex is DataSourceException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            status = PipelineRunStatus.Cancelled;
            error = "Cancelled; resume the run to continue after its last checkpoint.";
        }

        services.Metrics?.SetBacklog(pipeline, step.Name, 0);
        var result = new PipelineStepRun
        {
            Step = step.Name,
            Status = status,
            Input = $"{source.DatasetNamespace}:{source.DatasetName}",
            Output = $"{sink.DatasetNamespace}:{sink.DatasetName}",
            RecordsIn = committed.RecordsIn,
            Loaded = committed.Loaded,
            Rejected = committed.Rejected,
            DeadLettered = committed.Rejected,
            Filtered = committed.Filtered,
            Retried = (previous?.Retried ?? 0) + _retried,
            Checkpoint = committed.Position,
            Duration = earlier + clock.Elapsed,
            Error = error,
        };
        services.Log.Write(new LogRecord
        {
            Level = status == PipelineRunStatus.Failed ? OpsLogLevel.Error : OpsLogLevel.Information,
            Message = $"Step {step.Name} of {pipeline} {status}: {result.RecordsIn} in, {result.Loaded} loaded, {result.Rejected} rejected",
            Action = "pipeline-step",
            Outcome = status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections ? "success" : "failure",
            Duration = result.Duration,
            ErrorMessage = error,
            Labels = new Dictionary<string, string?> { ["pipeline"] = pipeline, ["pipeline_run"] = runId, ["step"] = step.Name },
        });
        return result;
    }

    /// <param name="inFlight">A slot per batch handed on, returned by the writer when it commits the batch; null for no bound.</param>
    private async Task ReadAsync(long skip, ChannelWriter<RawBatch> output, SemaphoreSlim? inFlight, CancellationToken cancellationToken)
    {
        try
        {
            var sequence = 0L;
            var batch = new List<SourceItem>(Math.Min(step.BatchSize, 65_536));
            long bytes = 0;
            var timer = Stopwatch.StartNew();
            // Validation that remembers values (unique columns) sees the records before the checkpoint
            // again, in order and without loading them, so a resumed run rejects what the run before
            // the stop would have. Other steps pass over them without building their values.
            var recall = skip > 0 && step.ValidationRemembers && step.Validate is not null;
            await foreach (var item in source.ReadAsync(recall ? 0 : skip, cancellationToken).ConfigureAwait(false))
            {
                if (_stopReading) break;
                if (item.Position <= skip)
                {
                    if (recall && item.Record is { } seen) step.Validate!(seen);
                    continue;
                }
                batch.Add(item);
                bytes += ApproximateBytes(item);
                if (batch.Count >= step.BatchSize || bytes >= step.BatchBytes)
                {
                    services.Metrics?.ObserveStage(pipeline, step.Name, "read", timer.Elapsed);
                    await HandOnAsync(new RawBatch(sequence++, batch)).ConfigureAwait(false);
                    batch = new List<SourceItem>(batch.Count);
                    bytes = 0;
                    timer.Restart();
                }
            }
            if (batch.Count > 0)
            {
                await HandOnAsync(new RawBatch(sequence, batch)).ConfigureAwait(false);
            }
            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
            throw;
        }

        async Task HandOnAsync(RawBatch batch)
        {
            if (inFlight is not null) await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _read, batch.Items.Count);
        }
    }

    private async Task ProcessAsync(ChannelReader<RawBatch> input, ChannelWriter<ProcessedBatch> output, BatchTurns? turns, CancellationToken cancellationToken)
    {
        await foreach (var batch in input.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (turns is null)
            {
                await output.WriteAsync(Process(batch, null, Stopwatch.GetTimestamp()), cancellationToken).ConfigureAwait(false);
                continue;
            }
            await turns.WaitAsync(batch.Sequence, cancellationToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            Verdict[] verdicts;
            try
            {
                verdicts = Validate(batch, step.Validate!);
            }
            finally
            {
                turns.End(batch.Sequence);
            }
            await output.WriteAsync(Process(batch, verdicts, started), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One worker's part done by the writer itself: the batches in order, each validated and transformed as it arrives.</summary>
    private async IAsyncEnumerable<ProcessedBatch> ProcessInline(ChannelReader<RawBatch> input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var batch in input.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return Process(batch, null, Stopwatch.GetTimestamp());
    }

    /// <summary>Validates a batch ahead of <see cref="Process"/>, for a worker to do in its turn.</summary>
    /// <returns>Each record's verdict in source order (none for an unreadable item), up to the first invalid one of a fail-fast step.</returns>
    private Verdict[] Validate(RawBatch batch, RecordCheck validate)
    {
        var verdicts = new Verdict[batch.Items.Count];
        for (var i = 0; i < verdicts.Length; i++)
        {
            if (batch.Items[i].Problem is not null) continue;
            verdicts[i] = Judge(CopyOf(batch.Items[i].Record!), validate);
            if (step.FailFast && verdicts[i].Failures.Count > 0) return verdicts[..(i + 1)];
        }
        return verdicts;
    }

    private static Verdict Judge(DataRecord record, RecordCheck validate) => new(record, validate(record));

    // Validation coerces values in place, so it works on a copy: a dead letter keeps the record as the source gave it.
    private static DataRecord CopyOf(DataRecord record) => record.With(record.Shape, (object?[])record.Values.Clone());

    /// <param name="verdicts">The batch's verdicts when a worker validated it in its turn; null to validate here.</param>
    /// <param name="started">When the batch's validation began (its stage time counts validation and transforms, not a wait for its turn).</param>
    private ProcessedBatch Process(RawBatch batch, Verdict[]? verdicts, long started)
    {
        var records = new List<DataRecord>(batch.Items.Count);
        var origins = new List<SourceItem>(batch.Items.Count);
        var rejections = new List<Rejection>();
        var filtered = 0;
        long? stopAfter = null;
        for (var i = 0; i < batch.Items.Count; i++)
        {
            var item = batch.Items[i];
            if (item.Problem is { } problem)
            {
                rejections.Add(new Rejection(item, PipelineStage.Read, problem.Reason));
                continue;
            }
            var (record, failures) = verdicts is not null ? verdicts[i]
                : step.Validate is { } validate ? Judge(CopyOf(item.Record!), validate)
                : new Verdict(item.Record!, []);
            var original = item;
            if (failures.Count > 0)
            {
                rejections.Add(new Rejection(original, PipelineStage.Validate, string.Join("; ", failures.Select(Describe))));
                if (step.FailFast)
                {
                    stopAfter = item.Position;
                    break;
                }
                continue;
            }
            DataRecord? current = record;
            foreach (var transform in _transforms)
            {
                try
                {
                    current = transform.Apply(current);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var (name, reason) = ex is TransformException chained ? (chained.Transform, chained.InnerException!.Message) : (transform.Name, ex.Message);
                    rejections.Add(new Rejection(original, PipelineStage.Transform, $"Transform {name} failed: {reason}"));
                    goto Next;
                }
                if (current is null) break;
            }
            if (current is null)
            {
                filtered++;
            }
            else
            {
                records.Add(current);
                origins.Add(original);
            }
        Next:;
        }
        var count = stopAfter is { } last ? batch.Items.FindIndex(i => i.Position == last) + 1 : batch.Items.Count;
        services.Metrics?.ObserveStage(pipeline, step.Name, "transform", Stopwatch.GetElapsedTime(started));
        return new ProcessedBatch(batch.Sequence, batch.Items[count - 1].Position, count, records, origins, rejections, filtered, stopAfter);
    }

    private async Task<StepCheckpoint> WriteAsync(IAsyncEnumerable<ProcessedBatch> input, StepCheckpoint start, Stopwatch clock, TimeSpan earlier,
        Action<StepCheckpoint> onCommit, SemaphoreSlim? inFlight, CancellationToken cancellationToken)
    {
        var committed = start;
        var pending = new Dictionary<long, ProcessedBatch>();
        var next = 0L;
        var retry = services.Resilience.Get<StepCheckpoint>($"pipeline|{pipeline}|{step.Name}|{sink.GetType().Name}", step.Retry, outcome => outcome.Exception is { } ex && sink.IsTransient(ex));
        await foreach (var arrived in input.ConfigureAwait(false))
        {
            pending[arrived.Sequence] = arrived;
            while (pending.Remove(next, out var batch))
            {
                next++;
                var timer = Stopwatch.StartNew();
                var attempts = 0;
                var before = committed;
                var result = await retry.ExecuteAsync(async (CancellationToken token) =>
                {
                    attempts++;
                    StepCheckpoint? made = null;
                    await sink.WriteAsync(batch.Records, async (refused, ct) =>
                    {
                        var letters = batch.Rejections.Select(r => Letter(r.Item, r.Stage, r.Error, attempts: 1))
                            .Concat(refused.Select(r => Letter(OriginOf(batch, r.Record), PipelineStage.Load, r.Error, attempts)))
                            .ToList();
                        await services.DeadLetters.AddAsync(letters, services.Time.GetUtcNow(), ct).ConfigureAwait(false);
                        made = new StepCheckpoint(batch.LastPosition, before.RecordsIn + batch.ItemCount, before.Loaded + batch.Records.Count - refused.Count,
                            before.Rejected + batch.Rejections.Count + refused.Count, before.Filtered + batch.Filtered);
                        return made;
                    }, token).ConfigureAwait(false);
                    return made!;
                }, cancellationToken).ConfigureAwait(false);
                _retried += attempts - 1;
                inFlight?.Release();
                committed = result;
                onCommit(committed);
                services.Metrics?.ObserveStage(pipeline, step.Name, "load", timer.Elapsed);
                services.Metrics?.CountRecords(pipeline, step.Name, loaded: committed.Loaded - before.Loaded, rejected: committed.Rejected - before.Rejected, filtered: committed.Filtered - before.Filtered);
                services.Metrics?.SetBacklog(pipeline, step.Name, Math.Max(0, Interlocked.Read(ref _read) - (committed.RecordsIn - start.RecordsIn)));
                var elapsed = (earlier + clock.Elapsed).TotalSeconds;
                services.Progress?.Report(new PipelineProgress(pipeline, step.Name, stepNumber, stepCount, committed.RecordsIn, committed.Loaded, committed.Rejected,
                    elapsed > 0 ? committed.RecordsIn / elapsed : 0, (source as ISourceProgress)?.ShareRead));
                if (batch.StopAfter is { } position)
                {
                    var rejection = batch.Rejections[^1];
                    (_failFastAt, _failFastLocation, _failFastReason) = (position, rejection.Item.Location, rejection.Error);
                    _stopReading = true;
                    return committed;
                }
            }
        }
        return committed;
    }

    private NewDeadLetter Letter(SourceItem item, PipelineStage stage, string error, int attempts) =>
        new(pipeline, step.Name, runId, stage, item.Position, item.Location, error, attempts,
            item.Record is { } record ? JsonRecordWriter.ToJson(record) : item.Problem!.RawText ?? "");

    private static SourceItem OriginOf(ProcessedBatch batch, DataRecord loaded)
    {
        for (var i = 0; i < batch.Records.Count; i++)
        {
            if (ReferenceEquals(batch.Records[i], loaded)) return batch.Origins[i];
        }
        return new SourceItem(loaded);
    }

    private static string Describe(ValidationFailure failure) =>
        failure.Field is null ? $"{failure.Rule}: {failure.Message}" : $"{failure.Field} ({failure.Rule}): {failure.Message}";

    private static long ApproximateBytes(SourceItem item)
    {
        if (item.Record is not { } record) return item.Problem?.RawText?.Length ?? 16;
        long bytes = 16;
        foreach (var value in record.Values) bytes += value is string text ? text.Length * 2 + 24 : 16;
        return bytes;
    }

    private static async Task<Exception?> Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
