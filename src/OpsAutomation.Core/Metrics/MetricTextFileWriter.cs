namespace OpsAutomation.Core.Metrics;

/// <summary>
/// Writes the registry for node_exporter's textfile collector. The collector may read the file at
/// any moment, so the text goes to a temporary file in the same folder (the same file system)
/// and is renamed over the target, which readers see whole or not at all.
/// </summary>
public static class MetricTextFileWriter
{
    public static async Task<long> WriteAsync(OpsMetrics metrics, string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new IOException($"'{path}' has no folder.");
        var exposition = await metrics.ExportTextAsync(cancellationToken).ConfigureAwait(false);
        // A dot-name without the .prom extension: the collector reads only *.prom, so it never sees the partial file.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temporary, exposition, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return exposition.LongLength;
    }
}
