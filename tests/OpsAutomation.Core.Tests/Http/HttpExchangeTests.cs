using OpsAutomation.Core.Http;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Http;

public sealed class HttpExchangeTests
{
    private static readonly HttpLimits Short = new() { Timeout = TimeSpan.FromMilliseconds(300) };

    private static Task<string> GetTextAsync(HttpClient client, string url, HttpLimits limits)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        return HttpExchange.SendAsync(client, request, limits, HttpExchange.ReadTextAsync, CancellationToken.None);
    }

    [Theory]
    [InlineData("text/plain; charset=utf-8", 65001)]
    [InlineData("text/plain; charset=UTF-8", 65001)]
    [InlineData("text/plain; charset=\"utf-8\"", 65001)]
    [InlineData("text/plain; charset=iso-8859-1", 28591)]
    [InlineData("text/plain; charset=no-such-charset", 65001)]
    [InlineData("text/plain", 65001)]
    public void The_body_charset_is_the_one_the_content_type_names_else_utf8(string contentType, int codePage)
    {
        using var response = new HttpResponseMessage { Content = new StringContent("") };
        response.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        Assert.Equal(codePage, HttpExchange.Encoding(response).CodePage);
    }

    [Fact]
    public async Task A_silent_server_ends_in_a_timeout_that_names_the_masked_target_and_the_limit()
    {
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Silence);
        using var http = new HttpClientProvider(_ => null);
        var url = $"http://admin:hunter2secret@127.0.0.1:{server.Port}/metrics?token=tok3nvalue";

        var error = await Assert.ThrowsAsync<HttpTimeoutException>(() => GetTextAsync(http.Get(), url, Short));

        Assert.Equal(TimeSpan.FromMilliseconds(300), error.Limit);
        Assert.Contains($"127.0.0.1:{server.Port}/metrics", error.Message);
        Assert.Contains("0.3 s", error.Message);
        Assert.DoesNotContain("hunter2secret", error.Message);
        Assert.DoesNotContain("admin", error.Message);
        Assert.DoesNotContain("tok3nvalue", error.Message);
    }

    [Fact]
    public async Task The_deadline_covers_a_body_that_trickles()
    {
        // Headers come at once; the body comes a byte at a time for ever.
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Trickle(TimeSpan.FromMilliseconds(50)));
        using var http = new HttpClientProvider(_ => null);

        var error = await Assert.ThrowsAsync<HttpTimeoutException>(() => GetTextAsync(http.Get(), server.Url("/metrics"), Short));

        Assert.Contains("did not answer within the 0.3 s timeout", error.Message);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_typed_error_naming_the_limit()
    {
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Answer(200, new string('x', 3000)));
        using var http = new HttpClientProvider(_ => null);

        var error = await Assert.ThrowsAsync<HttpResponseTooLargeException>(() =>
            GetTextAsync(http.Get(), server.Url("/big"), new HttpLimits { MaxResponseBytes = 2048 }));

        Assert.Equal(2048, error.Limit);
        Assert.Contains("2 KiB limit", error.Message);
        Assert.Contains($"127.0.0.1:{server.Port}/big", error.Message);
    }

    [Fact]
    public async Task An_endless_body_stops_at_the_limit_while_it_is_read()
    {
        // Buffering first would run into the (long) deadline; counting as bytes arrive stops at 1 MiB.
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Endless);
        using var http = new HttpClientProvider(_ => null);

        var error = await Assert.ThrowsAsync<HttpResponseTooLargeException>(() =>
            GetTextAsync(http.Get(), server.Url("/metrics"), new HttpLimits { Timeout = TimeSpan.FromMinutes(2), MaxResponseBytes = HttpLimits.MiB }));

        Assert.Contains("1 MiB limit", error.Message);
    }

    [Fact]
    public async Task A_body_within_the_limit_is_read_whole()
    {
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Answer(200, "hello"));
        using var http = new HttpClientProvider(_ => null);

        Assert.Equal("hello", await GetTextAsync(http.Get(), server.Url(), new HttpLimits { MaxResponseBytes = 5 }));
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        await using var server = new ScriptedHttpServer(_ => ScriptedReply.Silence);
        using var http = new HttpClientProvider(_ => null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var request = new HttpRequestMessage(HttpMethod.Get, server.Url());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            HttpExchange.SendAsync(http.Get(), request, new HttpLimits { Timeout = TimeSpan.FromMinutes(2) }, HttpExchange.ReadTextAsync, cancel.Token));
    }

    [Theory]
    [InlineData("http://user:pa55word@host:9090/metrics", "http://[REDACTED]@host:9090/metrics")]
    [InlineData("https://T0KENONLY@host/hook", "https://[REDACTED]@host/hook")]
    [InlineData("http://host/api?token=abc123&x=1", "http://host/api?token=[REDACTED]&x=1")]
    [InlineData("http://host:9091/", "http://host:9091/")]
    public void A_display_target_masks_user_info_and_secret_query_values(string uri, string expected) =>
        Assert.Equal(expected, HttpExchange.DisplayTarget(new Uri(uri)));
}
