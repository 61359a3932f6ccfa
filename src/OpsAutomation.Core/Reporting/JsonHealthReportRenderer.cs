using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>
/// Renders a report as JSON for machines, with a schema of its own rather than the shape of the
/// .NET types, so a renamed property never breaks a consumer: camelCase names, enums as strings,
/// spans as milliseconds, times as ISO 8601 UTC, absent values as null, and a schemaVersion that
/// changes only when a field changes meaning or goes away.
/// </summary>
public static class JsonHealthReportRenderer
{
    public const int SchemaVersion = 1;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Readable non-ASCII names; HTML-sensitive characters stay escaped, so the JSON is safe to embed in a page.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static string Render(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", SchemaVersion);
            json.WriteString("title", report.Title);
            json.WriteString("generatedAt", Timestamp(report.GeneratedAt));
            json.WriteStartArray("runIds");
            foreach (var runId in report.RunIds) json.WriteStringValue(runId);
            json.WriteEndArray();
            json.WriteString("overallStatus", report.OverallStatus.ToString());
            json.WriteStartObject("counts");
            json.WriteNumber("total", report.Total);
            json.WriteNumber("healthy", report.Healthy);
            json.WriteNumber("degraded", report.Degraded);
            json.WriteNumber("unhealthy", report.Unhealthy);
            json.WriteNumber("unreachable", report.Unreachable);
            json.WriteNumber("circuitOpen", report.CircuitOpen);
            json.WriteEndObject();
            WriteNullable(json, "trendWindowMs", report.TrendWindow?.TotalMilliseconds);
            WriteNullable(json, "sloTargetPercent", report.SloTargetPercent);
            json.WriteStartArray("results");
            foreach (var result in report.Results) WriteResult(json, result);
            json.WriteEndArray();
            json.WriteStartArray("trends");
            foreach (var trend in report.Trends) WriteTrend(json, trend);
            json.WriteEndArray();
            json.WriteStartArray("trendSeries");
            foreach (var series in report.TrendSeries) WriteTrendSeries(json, series);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteResult(Utf8JsonWriter json, HealthCheckResult r)
    {
        json.WriteStartObject();
        json.WriteString("name", r.Name);
        json.WriteString("kind", r.Kind.ToString());
        json.WriteString("target", r.Target);
        json.WriteString("status", r.Status.ToString());
        WriteNullable(json, "statusCode", r.StatusCode);
        json.WriteNumber("responseTimeMs", r.ResponseTime.TotalMilliseconds);
        json.WriteNumber("attempts", r.Attempts);
        json.WriteString("firstAttemptStatus", r.FirstAttemptStatus.ToString());
        json.WriteString("errorKind", r.ErrorKind.ToString());
        json.WriteString("error", r.Error);
        json.WriteString("severity", r.Severity.ToString());
        json.WriteString("owner", r.Owner);
        json.WriteStartArray("tags");
        foreach (var tag in r.Tags) json.WriteStringValue(tag);
        json.WriteEndArray();
        json.WriteString("runId", r.RunId);
        json.WriteString("timestamp", Timestamp(r.Timestamp));
        json.WriteString("nextProbeAt", r.NextProbeAt is { } next ? Timestamp(next) : null);
        json.WritePropertyName("details");
        WriteValue(json, r.Details);
        json.WriteEndObject();
    }

    private static void WriteTrend(Utf8JsonWriter json, HealthSummary t)
    {
        json.WriteStartObject();
        json.WriteString("name", t.Name);
        json.WriteString("from", Timestamp(t.From));
        json.WriteString("to", Timestamp(t.To));
        json.WriteNumber("checks", t.Checks);
        json.WriteNumber("failures", t.Failures);
        json.WriteNumber("degraded", t.Degraded);
        json.WriteNumber("availabilityPercent", t.AvailabilityPercent);
        json.WriteNumber("p50Ms", t.P50Ms);
        json.WriteNumber("p95Ms", t.P95Ms);
        json.WriteNumber("p99Ms", t.P99Ms);
        json.WriteNumber("longestOutageMs", t.LongestOutage.TotalMilliseconds);
        json.WriteString("lastStatus", t.LastStatus.ToString());
        json.WriteString("lastChecked", Timestamp(t.LastChecked));
        WriteNullable(json, "sloTargetPercent", t.SloTargetPercent);
        WriteNullable(json, "errorBudgetRemainingPercent", t.ErrorBudgetRemainingPercent);
        WriteNullable(json, "burnRate", t.BurnRate);
        json.WriteEndObject();
    }

    private static void WriteTrendSeries(Utf8JsonWriter json, HealthTrendSeries series)
    {
        json.WriteStartObject();
        json.WriteString("name", series.Name);
        json.WriteString("from", Timestamp(series.From));
        json.WriteString("to", Timestamp(series.To));
        json.WriteNumber("bucketMs", series.BucketSize.TotalMilliseconds);
        json.WriteStartArray("buckets");
        foreach (var b in series.Buckets)
        {
            json.WriteStartObject();
            json.WriteString("start", Timestamp(b.Start));
            json.WriteString("end", Timestamp(b.End));
            json.WriteNumber("checks", b.Checks);
            json.WriteNumber("failures", b.Failures);
            json.WriteNumber("degraded", b.Degraded);
            json.WriteString("worstStatus", b.WorstStatus?.ToString());
            WriteNullable(json, "p50Ms", b.P50Ms);
            WriteNullable(json, "p95Ms", b.P95Ms);
            WriteNullable(json, "p99Ms", b.P99Ms);
            WriteNullable(json, "errorBudgetRemainingPercent", b.ErrorBudgetRemainingPercent);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    private static void WriteObject(Utf8JsonWriter json, IEnumerable<(string Key, object? Value)> properties)
    {
        json.WriteStartObject();
        foreach (var (key, item) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(key);
            WriteValue(json, item);
        }
        json.WriteEndObject();
    }

    /// <summary>A dictionary's entries through its IDictionaryEnumerator: plain enumeration of a generic one yields key-value pairs, not entries.</summary>
    private static IEnumerable<(string Key, object? Value)> Entries(IDictionary map)
    {
        var entry = map.GetEnumerator();
        while (entry.MoveNext()) yield return (Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "", entry.Value);
    }

    /// <summary>A detail value in the schema's conventions; details are open-ended, so anything unknown becomes its text.</summary>
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string text: json.WriteStringValue(text); break;
            case bool flag: json.WriteBooleanValue(flag); break;
            case Enum member: json.WriteStringValue(member.ToString()); break;
            case DateTimeOffset time: json.WriteStringValue(Timestamp(time)); break;
            case DateTime time: json.WriteStringValue(Timestamp(new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero))); break;
            case TimeSpan span: json.WriteNumberValue(span.TotalMilliseconds); break;
            case JsonElement element: element.WriteTo(json); break;
            case double or float when !double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case byte or sbyte or short or ushort or int or uint or long: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong number: json.WriteNumberValue(number); break;
            case float or double: json.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
            case decimal number: json.WriteNumberValue(number); break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                WriteObject(json, map.Select(p => (p.Key, p.Value)));
                break;
            case IDictionary map:
                WriteObject(json, Entries(map));
                break;
            case IEnumerable items:
                json.WriteStartArray();
                foreach (var item in items) WriteValue(json, item);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }
}
