using System.Text;
using k8s.Autorest;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>A source's outcome with what it collected, redacted and capped; <see cref="Text"/> is null when it left nothing.</summary>
public sealed record CollectedSource(IDiagnosticSource Source, DiagnosticSourceResult Result, string? Text, IReadOnlyList<DiagnosticFinding> Findings);

/// <summary>
/// Runs diagnostics sources concurrently, each under its own time limit on the <see cref="TimeProvider"/>.
/// A source that throws is Failed with its error, one that outlives its limit is TimedOut (and is
/// abandoned, even when it ignores cancellation), one that does not apply is Skipped: none stops the
/// others. Everything a source returns, its findings and errors included, passes through the redactor
/// after all have finished, so a secret one source learns (an env value) is masked in every other's
/// output (a log line that prints it), and is cut at the size cap.
/// </summary>
public sealed class DiagnosticsCollector(TimeProvider? time = null, SecretRedactor? redactor = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The redactor every output passes through; sources add the secrets they find to it.</summary>
    public SecretRedactor Redactor { get; } = redactor ?? new SecretRedactor();

    /// <summary>Every source's outcome, in the order given. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<IReadOnlyList<CollectedSource>> CollectAsync(IReadOnlyList<IDiagnosticSource> sources, DiagnosticsOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Every time limit starts now, before the first await: a caller's clock that moves on finds them all set.
        var runs = sources.Select(s => RunAsync(s, options, cancellationToken)).ToArray();
        var raw = await Task.WhenAll(runs).ConfigureAwait(false);
        return [.. raw.Select(r => Finish(r, options))];
    }

    private async Task<Raw> RunAsync(IDiagnosticSource source, DiagnosticsOptions options, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var limit = new CancellationTokenSource(options.SourceTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        // On a worker: a source that blocks before its first await blocks only itself.
        var token = linked.Token;
        var work = Task.Run(() => source.CollectAsync(token), CancellationToken.None);
        var waiting = work.WaitAsync(options.SourceTimeout, _time, cancellationToken);
        try
        {
            var content = await waiting.ConfigureAwait(false);
            return new Raw(source, DiagnosticSourceStatus.Succeeded, Elapsed(started), content, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(work);
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && limit.IsCancellationRequested))
        {
            // Finished as the limit passed: what it collected is kept.
            if (work.IsCompletedSuccessfully) return new Raw(source, DiagnosticSourceStatus.Succeeded, Elapsed(started), work.Result, null);
            Observe(work);
            return new Raw(source, DiagnosticSourceStatus.TimedOut, Elapsed(started), null,
                $"did not finish within its {Seconds(options.SourceTimeout)} s time limit");
        }
        catch (DiagnosticSkippedException ex)
        {
            return new Raw(source, DiagnosticSourceStatus.Skipped, Elapsed(started), null, ex.Message);
        }
        catch (Exception ex)
        {
            return new Raw(source, DiagnosticSourceStatus.Failed, Elapsed(started), null, ErrorText(ex));
        }
    }

    private CollectedSource Finish(Raw raw, DiagnosticsOptions options)
    {
        string? text = null;
        var truncated = false;
        long bytes = 0;
        if (raw.Content is { } content)
        {
            (text, truncated) = Cap(Redactor.Redact(content.Text), options.MaxSourceBytes);
            bytes = Encoding.UTF8.GetByteCount(text);
        }
        var findings = raw.Content?.Findings.Select(f => f with
        {
            Text = Redactor.Redact(f.Text),
            Lines = [.. f.Lines.Select(Redactor.Redact)],
        }).ToList() ?? [];
        var result = new DiagnosticSourceResult
        {
            Name = raw.Source.Name,
            Status = raw.Status,
            Duration = raw.Duration,
            File = text is null ? null : raw.Source.FileName,
            Error = raw.Error is null ? null : Redactor.Redact(raw.Error),
            Bytes = bytes,
            Truncated = truncated,
        };
        return new CollectedSource(raw.Source, result, text, findings);
    }

    /// <summary>The text cut at <paramref name="maxBytes"/> of UTF-8 (on a character boundary), with a line saying so.</summary>
    internal static (string Text, bool Truncated) Cap(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return (text, false);
        var bytes = Encoding.UTF8.GetBytes(text);
        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--;
        return (Encoding.UTF8.GetString(bytes, 0, cut) + $"\n[truncated: the source's output is over its {maxBytes} byte cap]\n", true);
    }

    /// <summary>A failure in one line: the API server's own Status message for a Kubernetes error, the message (and its cause's) otherwise.</summary>
    internal static string ErrorText(Exception exception)
    {
        if (exception is HttpOperationException http)
        {
            var status = KubernetesStatus.FromError(http);
            return $"the Kubernetes API answered {status.Code} {status.Reason}: {status.Message ?? http.Message}";
        }
        var message = exception.Message;
        if (exception.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal)) message += $" ({inner.Message})";
        return message;
    }

    private static void Observe(Task task) => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private TimeSpan Elapsed(long started) => _time.GetElapsedTime(started);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Raw(IDiagnosticSource Source, DiagnosticSourceStatus Status, TimeSpan Duration, DiagnosticContent? Content, string? Error);
}
