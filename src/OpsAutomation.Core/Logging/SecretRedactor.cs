using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Logging;

/// <summary>
/// Masks secrets before any text leaves the process: credentials in authorization and cookie
/// headers, URL user info, secret-named query and key=value pairs, JSON secret fields, and every
/// secret value this run resolved from a reference.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    private readonly ConcurrentDictionary<string, byte> _knownSecrets = new(StringComparer.Ordinal);

    [GeneratedRegex(@"(?im)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|private-token)(\s*[:=]\s*)[^\r\n,;}\]]+")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"(?i)\b(bearer|basic|apikey|token)\s+[A-Za-z0-9\-._~+/]{6,}=*")]
    private static partial Regex AuthorizationScheme();

    [GeneratedRegex(@"(?i)\b([a-z][a-z0-9+.\-]*://)([^/\s:@]+):([^/\s@]+)@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?i)(?<![A-Za-z0-9_])((?:[A-Za-z0-9_\-]*[_\-])?(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|sig|signature|credential)s?)=([^&\s;,""'<>]+)")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"(?i)(""(?:[A-Za-z0-9_\-]*[_\-])?(?:password|passwd|secret|token|api[_\-]?key|apikey|authorization|cookie)""\s*:\s*"")((?:[^""\\]|\\.)*)("")")]
    private static partial Regex JsonField();

    [GeneratedRegex(@"(?i)(authorization|cookie|password|passwd|secret|token|api[_\-]?key|apikey|credential)")]
    private static partial Regex SensitiveName();

    /// <summary>Masks <paramref name="value"/> wherever it appears from now on. Values under 4 characters are ignored: masking them would maim ordinary text.</summary>
    public void AddSecret(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value.Length >= 4)
            _knownSecrets.TryAdd(value, 0);
    }

    /// <summary>True when a field, header or label of this name holds a secret.</summary>
    public static bool IsSensitiveName(string name) => SensitiveName().IsMatch(name);

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        foreach (var secret in _knownSecrets.Keys)
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return RedactPatterns(text);
    }

    /// <summary>Masks what the patterns recognise (URL user info, secret query values, credential headers), without this run's known secrets.</summary>
    public static string RedactPatterns(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        // Each pattern needs a character most text lacks (a log line has a dozen fields): a scan for it is far cheaper than the regex.
        if (text.AsSpan().IndexOfAny(':', '=') >= 0)
            text = HeaderLine().Replace(text, m => m.Groups[1].Value + m.Groups[2].Value + Mask);
        if (HasWhiteSpace(text))
            text = AuthorizationScheme().Replace(text, m => m.Groups[1].Value + " " + Mask);
        if (text.Contains('@', StringComparison.Ordinal))
            text = UrlUserInfo().Replace(text, m => m.Groups[1].Value + m.Groups[2].Value + ":" + Mask + "@");
        if (text.Contains('=', StringComparison.Ordinal))
            text = KeyValue().Replace(text, m => m.Groups[1].Value + "=" + Mask);
        if (text.Contains('"', StringComparison.Ordinal))
            text = JsonField().Replace(text, m => m.Groups[1].Value + Mask + m.Groups[3].Value);
        return text;
    }

    // What the regex \s matches.
    private static bool HasWhiteSpace(string text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c)) return true;
        }
        return false;
    }
}
