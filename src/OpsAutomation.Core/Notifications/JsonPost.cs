using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Http;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// POSTs a JSON payload under the limits' deadline; a non-2xx answer throws with the status and
/// the start of the body. Errors name the channel (its name gives the host where that is safe),
/// never the URL (its path or query may hold a token).
/// </summary>
internal static class JsonPost
{
    public static async Task SendAsync(HttpClient client, Uri uri, HttpLimits limits, JsonNode payload, string channel, CancellationToken cancellationToken,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        var (status, refusal) = await HttpExchange.SendAsync(client, request, limits, async (response, body, token) =>
            (response.StatusCode, response.IsSuccessStatusCode ? null
                : $"{(int)response.StatusCode} {response.ReasonPhrase}{Quote(await HttpExchange.ReadPrefixAsync(response, body, 200, token).ConfigureAwait(false))}"),
            cancellationToken, channel).ConfigureAwait(false);
        if (refusal is not null)
            throw new HttpRequestException($"{channel} answered HTTP {refusal}", null, status);
    }

    private static string Quote(string body) => body.Length > 0 ? ": " + body : "";
}
