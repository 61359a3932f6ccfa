using System.Text;
using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Http;

/// <summary>
/// The one way the engine talks HTTP: a request and the read of its answer under one deadline
/// (headers and body alike) with the body counted against a size limit as it is read. A passed
/// deadline is <see cref="HttpTimeoutException"/>, a body over the limit
/// <see cref="HttpResponseTooLargeException"/>, both naming the redacted target and the limit.
/// </summary>
public static class HttpExchange
{
    /// <summary>
    /// Sends <paramref name="request"/> and hands the response and its bounded body to
    /// <paramref name="read"/>, with a token that ends at the deadline. The response is disposed
    /// when <paramref name="read"/> returns, so it must not escape.
    /// </summary>
    /// <param name="target">How errors name the target; null for the request URI with user info and secret query values masked.</param>
    public static async Task<T> SendAsync<T>(HttpClient client, HttpRequestMessage request, HttpLimits limits,
        Func<HttpResponseMessage, Stream, CancellationToken, Task<T>> read, CancellationToken cancellationToken, string? target = null)
    {
        target ??= DisplayTarget(request.RequestUri);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.Timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var raw = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using var body = new BoundedReadStream(raw, limits.MaxResponseBytes, target);
            return await read(response, body, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not HttpResponseTooLargeException)
        {
            throw new HttpTimeoutException(target, limits.Timeout, ex);
        }
    }

    /// <summary>The body as text in the charset the Content-Type names (UTF-8 when none or unknown), read to its end.</summary>
    public static async Task<string> ReadTextAsync(HttpResponseMessage response, Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding(response), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The start of the body, for an error message: at most <paramref name="maxChars"/>
    /// characters on one line ("..." when there was more); the rest is not read.
    /// </summary>
    public static async Task<string> ReadPrefixAsync(HttpResponseMessage response, Stream body, int maxChars, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding(response), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var buffer = new char[maxChars + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            filled += read;
        var text = new string(buffer, 0, Math.Min(filled, maxChars)).ReplaceLineEndings(" ").Trim();
        return filled > maxChars ? text + "..." : text;
    }

    /// <summary>
    /// <paramref name="uri"/> as output objects may carry it: no user info at all, secret query
    /// values masked as in <see cref="DisplayTarget"/>; still a Uri, for whoever compares or joins on it.
    /// </summary>
    public static Uri SafeUri(Uri uri)
    {
        if (!uri.IsAbsoluteUri) return new Uri(SecretRedactor.RedactPatterns(uri.OriginalString), UriKind.Relative);
        var bare = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        return new Uri(SecretRedactor.RedactPatterns(bare));
    }

    /// <summary>A URI as errors and logs may show it: user info and secret query values masked.</summary>
    public static string DisplayTarget(Uri? uri)
    {
        if (uri is null) return "(no URI)";
        if (!uri.IsAbsoluteUri || uri.UserInfo.Length == 0) return SecretRedactor.RedactPatterns(uri.ToString());
        // A user name alone can be a token (https://TOKEN@host/): all user info goes.
        var rest = uri.GetComponents(UriComponents.Host | UriComponents.Port | UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        return SecretRedactor.RedactPatterns($"{uri.Scheme}://{SecretRedactor.Mask}@{rest}");
    }

    /// <summary>The charset the Content-Type names, UTF-8 when none or unknown.</summary>
    public static Encoding Encoding(HttpResponseMessage response)
    {
        var charset = response.Content.Headers.ContentType?.CharSet;
        if (charset is null) return System.Text.Encoding.UTF8;
        var name = charset.Trim('"');
        // The usual answer, without asking every registered encoding provider (PowerShell registers the code pages) per response.
        if (name.Equals("utf-8", StringComparison.OrdinalIgnoreCase)) return System.Text.Encoding.UTF8;
        try
        {
            return System.Text.Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            // An unknown charset reads as UTF-8, as browsers do.
            return System.Text.Encoding.UTF8;
        }
    }
}
