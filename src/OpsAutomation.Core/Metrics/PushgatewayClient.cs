using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;

namespace OpsAutomation.Core.Metrics;

/// <summary>How metrics are pushed: PUT replaces the whole group, POST only the metrics of the same name.</summary>
public enum PushMethod
{
    Put,
    Post,
}

/// <summary>Where and as whom to push.</summary>
public sealed record PushgatewayTarget
{
    public required Uri BaseUri { get; init; }

    public string Job { get; init; } = "opsautomation";

    /// <summary>Labels beside the job that name the group, such as instance.</summary>
    public IReadOnlyDictionary<string, string> GroupingKey { get; init; } = new Dictionary<string, string>();

    public string? UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>The deadline of one push, delete or listing, answer included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = HttpLimits.DefaultTimeout;

    /// <summary>How errors name the Pushgateway: its address with user info and secret query values masked.</summary>
    public string DisplayName => $"Pushgateway {HttpExchange.DisplayTarget(BaseUri)}";

    /// <summary>The target the settings name, or null when no Pushgateway is configured.</summary>
    public static PushgatewayTarget? FromSettings(OpsSettings settings) =>
        settings.PushGatewayUri is { } uri
            ? new PushgatewayTarget { BaseUri = uri, Job = settings.PushGatewayJob, Timeout = TimeSpan.FromSeconds(settings.PushGatewayTimeoutSec) }
            : null;
}

/// <summary>A group the Pushgateway holds, and when it was last pushed.</summary>
public sealed record PushgatewayGroupInfo(string Job, IReadOnlyDictionary<string, string> GroupingKey, DateTimeOffset LastPush);

/// <summary>The Pushgateway's API: push a group (PUT/POST), delete it, list the groups.</summary>
public sealed class PushgatewayClient
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";
    private readonly HttpClient _http;

    public PushgatewayClient(HttpClient http) => _http = http;

    public Task PushAsync(PushgatewayTarget target, byte[] exposition, PushMethod method, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(exposition);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(TextFormat);
        return SendAsync(target, method == PushMethod.Put ? HttpMethod.Put : HttpMethod.Post, content, cancellationToken);
    }

    public Task DeleteAsync(PushgatewayTarget target, CancellationToken cancellationToken) =>
        SendAsync(target, HttpMethod.Delete, null, cancellationToken);

    /// <summary>Every group from /api/v1/metrics, with its push_time_seconds; only the target's address and credentials are used.</summary>
    public async Task<IReadOnlyList<PushgatewayGroupInfo>> ListGroupsAsync(PushgatewayTarget target, CancellationToken cancellationToken)
    {
        var uri = new Uri(target.BaseUri.AbsoluteUri.TrimEnd('/') + "/api/v1/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        Authorize(request, target);
        var (status, reason, body) = await HttpExchange.SendAsync(_http, request, Limits(target), async (response, stream, token) =>
            ((int)response.StatusCode, response.ReasonPhrase, await HttpExchange.ReadTextAsync(response, stream, token).ConfigureAwait(false)),
            cancellationToken, target.DisplayName).ConfigureAwait(false);
        if (status is < 200 or > 299)
            throw new HttpRequestException($"{target.DisplayName} refused to list its groups: {status} {reason} {Truncate(body)}".TrimEnd(), null, (System.Net.HttpStatusCode)status);
        try
        {
            return ParseGroups(body);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new HttpRequestException($"{target.DisplayName} answered /api/v1/metrics with unexpected JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The groups of an /api/v1/metrics answer: data[].labels, and data[].push_time_seconds.metrics[0].value in Unix seconds.</summary>
    public static IReadOnlyList<PushgatewayGroupInfo> ParseGroups(string json)
    {
        using var document = JsonDocument.Parse(json);
        var groups = new List<PushgatewayGroupInfo>();
        foreach (var group in document.RootElement.GetProperty("data").EnumerateArray())
        {
            var labels = group.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            labels.Remove("job", out var job);
            var pushed = group.GetProperty("push_time_seconds").GetProperty("metrics")[0].GetProperty("value").GetString()
                ?? throw new FormatException("push_time_seconds has no value.");
            var seconds = double.Parse(pushed, NumberStyles.Float, CultureInfo.InvariantCulture);
            groups.Add(new PushgatewayGroupInfo(job ?? "", labels, DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))));
        }
        return groups;
    }

    /// <summary>
    /// /metrics/job/&lt;job&gt;/&lt;label&gt;/&lt;value&gt;...; a value that is empty or holds a
    /// slash goes base64url-encoded as &lt;label&gt;@base64/&lt;value&gt;, as the Pushgateway asks.
    /// </summary>
    public static Uri GroupUri(PushgatewayTarget target)
    {
        var path = new StringBuilder(target.BaseUri.AbsoluteUri.TrimEnd('/')).Append("/metrics");
        AppendPair(path, "job", target.Job);
        foreach (var (label, value) in target.GroupingKey.OrderBy(p => p.Key, StringComparer.Ordinal))
            AppendPair(path, label, value);
        return new Uri(path.ToString());
    }

    private static void AppendPair(StringBuilder path, string label, string value)
    {
        if (value.Length == 0 || value.Contains('/'))
        {
            var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            path.Append('/').Append(label).Append("@base64/").Append(encoded.Length == 0 ? "=" : encoded);
        }
        else
        {
            path.Append('/').Append(label).Append('/').Append(Uri.EscapeDataString(value));
        }
    }

    private async Task SendAsync(PushgatewayTarget target, HttpMethod method, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, GroupUri(target)) { Content = content };
        Authorize(request, target);
        var (status, refusal) = await HttpExchange.SendAsync(_http, request, Limits(target), async (response, body, token) =>
            (response.StatusCode, response.IsSuccessStatusCode ? null
                : $"{(int)response.StatusCode} {response.ReasonPhrase} {await HttpExchange.ReadPrefixAsync(response, body, 200, token).ConfigureAwait(false)}"),
            cancellationToken, target.DisplayName).ConfigureAwait(false);
        if (refusal is not null)
            throw new HttpRequestException($"{target.DisplayName} refused {method} of job '{target.Job}': {refusal}".TrimEnd(), null, status);
    }

    private static HttpLimits Limits(PushgatewayTarget target) => HttpLimits.Api with { Timeout = target.Timeout };

    private static void Authorize(HttpRequestMessage request, PushgatewayTarget target)
    {
        if (target.UserName is null) return;
        request.Headers.Authorization = Http.HttpAuthorization.Basic(target.UserName, target.Password ?? "");
    }

    private static string Truncate(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "...";
}
