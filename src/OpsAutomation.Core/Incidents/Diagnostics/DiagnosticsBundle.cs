using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>Where and for what a bundle is written.</summary>
public sealed record DiagnosticsBundleRequest
{
    /// <summary>The folder the bundle goes in (created when missing).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The incident it belongs to; null for a service alone.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The service it is about.</summary>
    public required string Service { get; init; }

    /// <summary>When the collection started.</summary>
    public required DateTimeOffset CollectedAt { get; init; }

    /// <summary>Write one .zip instead of a folder.</summary>
    public bool Zip { get; init; }

    /// <summary>Lines for the head of summary.md (the workload, its namespace and context), already free of secrets.</summary>
    public IReadOnlyList<string> Context { get; init; } = [];
}

/// <summary>
/// Writes a bundle: manifest.json (incident, service, time, and each source's name, status,
/// duration, file, error and size), summary.md (what a responder reads first) and one file per
/// source. Everything is written into a hidden temporary folder beside the bundle, then renamed
/// (or zipped to a temporary file, then renamed): a reader never sees half a bundle, and a failed
/// write leaves nothing behind.
/// </summary>
public static class DiagnosticsBundle
{
    public const string ManifestFile = "manifest.json";
    public const string SummaryFile = "summary.md";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task<IncidentDiagnostics> WriteAsync(DiagnosticsBundleRequest request, IReadOnlyList<CollectedSource> collected, DiagnosticsOptions options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(collected);
        var output = Path.GetFullPath(request.OutputDirectory);
        Directory.CreateDirectory(output);
        var name = BundleName(request);
        var temporary = Path.Combine(output, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            foreach (var source in collected.Where(c => c.Text is not null))
                await WriteFileAsync(Path.Combine(temporary, source.Result.File!), source.Text!, cancellationToken).ConfigureAwait(false);
            var results = collected.Select(c => c.Result).ToList();
            await WriteFileAsync(Path.Combine(temporary, ManifestFile), Manifest(request, results, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            await WriteFileAsync(Path.Combine(temporary, SummaryFile), DiagnosticsSummary.Render(request, collected, options), cancellationToken).ConfigureAwait(false);

            string final;
            if (request.Zip)
            {
                final = FreePath(output, name, ".zip");
                var zipTemporary = temporary + ".zip";
                try
                {
                    ZipFile.CreateFromDirectory(temporary, zipTemporary, CompressionLevel.Optimal, includeBaseDirectory: false);
                    File.Move(zipTemporary, final);
                }
                finally
                {
                    if (File.Exists(zipTemporary)) File.Delete(zipTemporary);
                }
            }
            else
            {
                final = FreePath(output, name, "");
                Directory.Move(temporary, final);
            }
            return new IncidentDiagnostics
            {
                Path = final,
                IncidentId = request.IncidentId,
                Service = request.Service,
                CollectedAt = request.CollectedAt,
                Sources = results,
                Zip = request.Zip,
                Timestamp = time.GetUtcNow(),
            };
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>diagnostics-&lt;incident or service&gt;-&lt;UTC time&gt;, in characters every file system takes.</summary>
    internal static string BundleName(DiagnosticsBundleRequest request) =>
        string.Create(CultureInfo.InvariantCulture, $"diagnostics-{SafeName(request.IncidentId ?? request.Service)}-{request.CollectedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");

    /// <summary><paramref name="name"/> with every character a file system might refuse (or read as a path) made '_'.</summary>
    internal static string SafeName(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        return safe.Length == 0 ? "unnamed" : safe;
    }

    private static string FreePath(string folder, string name, string extension)
    {
        var path = Path.Combine(folder, name + extension);
        for (var n = 2; File.Exists(path) || Directory.Exists(path); n++)
            path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{name}-{n}{extension}"));
        return path;
    }

    private static string Manifest(DiagnosticsBundleRequest request, IReadOnlyList<DiagnosticSourceResult> results, DateTimeOffset writtenAt) =>
        JsonSerializer.Serialize(new
        {
            incidentId = request.IncidentId,
            service = request.Service,
            collectedAt = request.CollectedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            writtenAt = writtenAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            succeeded = results.Count(r => r.Status == DiagnosticSourceStatus.Succeeded),
            failed = results.Count(r => r.Status is DiagnosticSourceStatus.Failed or DiagnosticSourceStatus.TimedOut),
            sources = results.Select(r => new
            {
                name = r.Name,
                status = r.Status.ToString(),
                durationSeconds = Math.Round(r.Duration.TotalSeconds, 3),
                file = r.File,
                error = r.Error,
                bytes = r.Bytes,
                truncated = r.Truncated,
            }),
        }, Json) + "\n";

    private static async Task WriteFileAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 16 * 1024, FileOptions.Asynchronous);
        await stream.WriteAsync(new UTF8Encoding(false).GetBytes(text), cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
    }
}
