using System.Text;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Models.Resilience;
using Polly.Timeout;

namespace OpsAutomation.Core.Pipelines.Observers;

/// <summary>
/// Emits a run's OpenLineage events: START when it starts (RUNNING when it resumes: the run id
/// had its START), COMPLETE, FAIL or ABORT when it ends.
/// Each event is appended to the JSON Lines file and/or POSTed to the endpoint through a retry
/// pipeline (server errors, 429 and network failures). Lineage never fails a run: a failed
/// delivery is logged and listed in <see cref="DeliveryErrors"/>, and the file, when set, is
/// written whatever the endpoint did, so no event is lost.
/// </summary>
public sealed class OpenLineageObserver : IPipelineObserver
{
    private static readonly ResilienceOptions DefaultRetry = new()
    {
        RetryCount = 3,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(10),
    };

    // Waits up to about 2 s in all for another writer's lock on the file.
    private static readonly ResilienceOptions FileRetry = new()
    {
        RetryCount = 8,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(500),
    };

    private readonly LineageOptions _options;
    private readonly HttpClientProvider _http;
    private readonly ResiliencePipelineProvider _pipelines;
    private readonly ResilienceOptions _retry;
    private readonly TimeProvider _time;
    private readonly OpsLog _log;
    private readonly List<string> _errors = [];

    /// <param name="retry">How a POST is retried; default 3 retries from 1 s. Each attempt is bounded by the options' Timeout.</param>
    public OpenLineageObserver(LineageOptions options, HttpClientProvider http, ResiliencePipelineProvider pipelines, TimeProvider time, OpsLog log,
        ResilienceOptions? retry = null)
    {
        if (options.Path is null && options.Uri is null)
            throw new ArgumentException("Lineage needs a Path, a Uri or both.", nameof(options));
        _options = options;
        _http = http;
        _pipelines = pipelines;
        _time = time;
        _log = log;
        _retry = retry ?? DefaultRetry;
    }

    /// <summary>True when an event did not reach the file or the endpoint.</summary>
    public bool DeliveryFailed
    {
        get { lock (_errors) return _errors.Count > 0; }
    }

    /// <summary>What went wrong with each failed delivery, one sentence each, for the cmdlet's warnings.</summary>
    public IReadOnlyList<string> DeliveryErrors
    {
        get { lock (_errors) return [.. _errors]; }
    }

    public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) =>
        EmitAsync(run.Resumes > 0 ? LineageEventType.Running : LineageEventType.Start, run, datasets, cancellationToken);

    public Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) =>
        EmitAsync(OpenLineageEvents.EndType(run.Status), run, datasets, cancellationToken);

    private async Task EmitAsync(LineageEventType type, PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
    {
        // An error can quote a connection string: events leave the machine, so they get what the log gets.
        if (run.Error is { } error) run = run with { Error = _log.Redactor.Redact(error) };
        var payload = OpenLineageEvents.Build(type, run, datasets, _options.Namespace, _time.GetUtcNow());
        if (_options.Path is { } path) await AppendAsync(path, payload, type, run).ConfigureAwait(false);
        if (_options.Uri is { } uri) await PostAsync(uri, payload, type, run, cancellationToken).ConfigureAwait(false);
    }

    private async Task AppendAsync(string path, JsonObject payload, LineageEventType type, PipelineRun run)
    {
        try
        {
            var full = Path.GetFullPath(path);
            if (Path.GetDirectoryName(full) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
            var line = Encoding.UTF8.GetBytes(payload.ToJsonString() + "\n");
            // Pipelines running at once may share the file, and an append does not seek atomically:
            // each line is written under an exclusive lock, which a writer that finds it taken waits for.
            var locked = _pipelines.Get<bool>("lineage-file", FileRetry, outcome => outcome.Exception is IOException and not FileNotFoundException and not DirectoryNotFoundException);
            await locked.ExecuteAsync(async token =>
            {
                var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(line, token).ConfigureAwait(false);
                    await stream.FlushAsync(token).ConfigureAwait(false);
                }
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
            Logged(type, run, $"written to {full}", null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Logged(type, run, $"not written to {path}", ex.Message);
        }
    }

    private async Task PostAsync(Uri uri, JsonObject payload, LineageEventType type, PipelineRun run, CancellationToken cancellationToken)
    {
        // The URL may carry a token in its query: messages name only the authority.
        var endpoint = $"OpenLineage endpoint ({uri.Authority})";
        var pipeline = _pipelines.Get<bool>($"lineage:{uri.Authority}", _retry, outcome => outcome.Exception is not null && Notifier.IsTransient(outcome.Exception));
        try
        {
            await pipeline.ExecuteAsync(async token =>
            {
                await JsonPost.SendAsync(_http.Get(), uri, HttpLimits.Api with { Timeout = _options.Timeout }, payload, endpoint, token).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            Logged(type, run, $"sent to {endpoint}", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException)
        {
            // A cancelled run still ends (with ABORT): the start event's POST gives way, the run goes on.
            var error = ex switch
            {
                HttpRequestException => ex.Message,
                TimeoutRejectedException => $"{endpoint} did not answer in time",
                _ => "cancelled",
            };
            Logged(type, run, $"not delivered to {endpoint}", error);
        }
    }

    private void Logged(LineageEventType type, PipelineRun run, string what, string? error)
    {
        var eventType = type.ToString().ToUpperInvariant();
        var message = $"OpenLineage {eventType} event of pipeline {run.Pipeline} run {run.RunId} {what}";
        if (error is not null)
        {
            lock (_errors) _errors.Add($"{message}: {error}");
        }
        _log.Write(new LogRecord
        {
            Level = error is null ? OpsLogLevel.Debug : OpsLogLevel.Warning,
            Message = error is null ? message : $"{message}: {error}",
            Action = "lineage",
            Outcome = error is null ? "success" : "failure",
            ErrorType = error is null ? null : "LineageDeliveryFailed",
            ErrorMessage = error,
            Labels = new Dictionary<string, string?> { ["pipeline"] = run.Pipeline, ["pipeline_run"] = run.RunId, ["lineage_event"] = eventType },
        });
    }
}
