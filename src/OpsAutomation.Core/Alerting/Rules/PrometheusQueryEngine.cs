using System.Globalization;
using System.Text.Json;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// Instant queries against a Prometheus server: POST /api/v1/query with query and time, through
/// the shared HTTP client and a resilience pipeline (per-attempt timeout, retries of failed
/// connections and 5xx answers). Prometheus's own errors ({"status":"error"}), HTTP errors,
/// timeouts and unreadable answers become a <see cref="QueryResult"/> with a reason.
/// </summary>
/// <param name="maxResponseBytes">The largest answer read; null for 16 MiB.</param>
public sealed class PrometheusQueryEngine(HttpClientProvider http, ResiliencePipelineProvider pipelines, Uri baseUri, ResilienceOptions resilience,
    long? maxResponseBytes = null) : IRuleQueryEngine
{
    private readonly Uri _query = new(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v1/query");

    // The URI may carry user:password@ or ?token=: messages name it masked.
    private readonly string _display = HttpExchange.DisplayTarget(new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v1/query"));

    /// <summary>Each query's deadline, answer included (the resilience options' attempt timeout, else 10 s), and the largest answer (16 MiB unless set).</summary>
    private readonly HttpLimits _limits = HttpLimits.Api with
    {
        Timeout = resilience.AttemptTimeout ?? HttpLimits.DefaultTimeout,
        MaxResponseBytes = maxResponseBytes ?? HttpLimits.Api.MaxResponseBytes,
    };

    public async Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var (status, body, notReached) = await PostAsync(_query, _display, new Dictionary<string, string>
        {
            ["query"] = expression,
            ["time"] = UnixSeconds(time),
        }, cancellationToken).ConfigureAwait(false);
        return notReached is not null ? QueryResult.NotReached(notReached) : Interpret(status, body);
    }

    /// <summary>
    /// A range query (POST /api/v1/query_range) with the same client, deadline, size limit and
    /// retries as instant queries: every series of the matrix with its points in time order.
    /// </summary>
    public async Task<RangeQueryResult> QueryRangeAsync(string expression, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var (status, body, notReached) = await PostAsync(_range, _rangeDisplay, new Dictionary<string, string>
        {
            ["query"] = expression,
            ["start"] = UnixSeconds(start),
            ["end"] = UnixSeconds(end),
            ["step"] = step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
        }, cancellationToken).ConfigureAwait(false);
        return notReached is not null ? RangeQueryResult.NotReached(notReached) : InterpretRange(status, body);
    }

    private readonly Uri _range = new(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v1/query_range");

    private readonly string _rangeDisplay = HttpExchange.DisplayTarget(new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v1/query_range"));

    private static string UnixSeconds(DateTimeOffset time) => (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>One form POST through the endpoint's resilience pipeline: the answer, or why the server was not reached (named masked).</summary>
    private async Task<(int Status, string Body, string? NotReached)> PostAsync(Uri endpoint, string display, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        var pipeline = pipelines.Get<(int Status, string Body)>($"prometheus-query:{endpoint.AbsoluteUri}", resilience,
            outcome => outcome.Exception is HttpRequestException and not HttpResponseTooLargeException or Polly.Timeout.TimeoutRejectedException
                || outcome.Result.Status >= 500);
        try
        {
            var answer = await pipeline.ExecuteAsync(async token =>
            {
                using var content = new FormUrlEncodedContent(form);
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
                return await HttpExchange.SendAsync(http.Get(), request, _limits, async (response, body, deadline) =>
                    ((int)response.StatusCode, await HttpExchange.ReadTextAsync(response, body, deadline).ConfigureAwait(false)), token, display).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return (answer.Item1, answer.Item2, null);
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            // Worded as HttpTimeoutException words it: which of the two deadlines fires first is a race.
            return (0, "", $"{display} did not answer within the {_limits.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s timeout");
        }
        catch (HttpRequestException ex) when (ex is HttpTimeoutException or HttpResponseTooLargeException)
        {
            // These name the target and the limit themselves.
            return (0, "", ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return (0, "", $"{display} could not be queried: {SecretRedactor.RedactPatterns(ex.Message)}");
        }
    }

    /// <summary>A range query's envelope: a matrix on success, errorType and error otherwise.</summary>
    internal static RangeQueryResult InterpretRange(int status, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return RangeQueryResult.Failed($"Prometheus answered HTTP {status} with a body that is not JSON");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var state))
                return RangeQueryResult.Failed($"Prometheus answered HTTP {status} without the API's status field");
            if (state.GetString() != "success")
            {
                var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                return RangeQueryResult.Failed($"Prometheus refused the query ({type ?? $"HTTP {status}"}): {error}");
            }
            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            if (resultType != "matrix") return RangeQueryResult.Failed($"the range query returned a {resultType}, not a matrix");
            var series = new List<RangeSeries>();
            foreach (var item in data.GetProperty("result").EnumerateArray())
            {
                var values = item.TryGetProperty("values", out var v) ? v : default;
                var count = values.ValueKind == JsonValueKind.Array ? values.GetArrayLength() : 0;
                var times = new long[count];
                var points = new double[count];
                var i = 0;
                if (count > 0)
                {
                    foreach (var pair in values.EnumerateArray())
                    {
                        times[i] = (long)Math.Round(pair[0].GetDouble() * 1000);
                        points[i] = Value(pair);
                        i++;
                    }
                }
                series.Add(new RangeSeries(Labels(item.GetProperty("metric")), times, points));
            }
            return new RangeQueryResult(series, null);
        }
    }

    /// <summary>The API's JSON envelope: a vector or scalar on success, errorType and error otherwise.</summary>
    internal static QueryResult Interpret(int status, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return QueryResult.Failed($"Prometheus answered HTTP {status} with a body that is not JSON");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var state))
                return QueryResult.Failed($"Prometheus answered HTTP {status} without the API's status field");
            if (state.GetString() != "success")
            {
                var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                return QueryResult.Failed($"Prometheus refused the query ({type ?? $"HTTP {status}"}): {error}");
            }
            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            var result = data.GetProperty("result");
            switch (resultType)
            {
                case "vector":
                    return new QueryResult([.. result.EnumerateArray().Select(s => new QuerySample(Labels(s.GetProperty("metric")), Value(s.GetProperty("value"))))], null);
                case "scalar":
                    // As Prometheus's rule manager does: a scalar is a one-sample vector without labels.
                    return new QueryResult([new QuerySample(new Dictionary<string, string>(), Value(result))], null);
                default:
                    return QueryResult.Failed($"the expression returns a {resultType}, but a rule needs an instant vector or a scalar");
            }
        }
    }

    private static Dictionary<string, string> Labels(JsonElement metric) =>
        metric.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);

    // [ <unix time>, "<value>" ], the value as Go writes floats (NaN, +Inf, -Inf included).
    private static double Value(JsonElement pair)
    {
        var text = pair[1].GetString() ?? "NaN";
        return text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }
}
