using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Notifications;

/// <summary>POSTs a JSON payload; a non-2xx answer throws with the status and the start of the body, never the URL (it may hold a token).</summary>
internal static class JsonPost
{
    public static async Task SendAsync(HttpClient client, Uri uri, JsonNode payload, string channel, CancellationToken cancellationToken,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        body = body.ReplaceLineEndings(" ").Trim();
        if (body.Length > 200) body = body[..200] + "...";
        throw new HttpRequestException($"{channel} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}{(body.Length > 0 ? ": " + body : "")}",
            null, response.StatusCode);
    }
}
