using System.Text;
using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Models.Metrics;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// The samples registries hold now, read through their own text exposition, so a snapshot sees
/// exactly what a Prometheus scraping /metrics would (histogram buckets, _sum, _count and all).
/// </summary>
public static class RegistrySnapshot
{
    public static async Task<IReadOnlyList<MetricSample>> CollectAsync(IReadOnlyList<CollectorRegistry> registries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var samples = new List<MetricSample>();
        foreach (var registry in registries)
        {
            using var buffer = new MemoryStream();
            await registry.CollectAndExportAsTextAsync(buffer, cancellationToken).ConfigureAwait(false);
            buffer.Position = 0;
            using var reader = new StreamReader(buffer, Encoding.UTF8);
            samples.AddRange(ExpositionParser.Parse(reader, Exposition.ExpositionFormat.PrometheusText, null, now));
        }
        return samples;
    }
}
