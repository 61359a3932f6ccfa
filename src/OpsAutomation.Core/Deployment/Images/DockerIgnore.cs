using System.Text;
using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// The patterns of a .dockerignore file with Docker's rules (moby/patternmatcher): one pattern a
/// line, '#' comments, paths relative to the context root with a leading '/' ignored, '*' and '?'
/// within one path component, '**' across any number of them, '[...]' classes, '\' escapes, and
/// '!' exceptions. The last pattern that matches a path, or one of its parent folders, decides.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exception)> _patterns;

    private DockerIgnore(List<(Regex, bool)> patterns)
    {
        _patterns = patterns;
    }

    /// <summary>No patterns: everything is sent.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>Whether any pattern is an exception ('!'): then an excluded folder may still hold files to send.</summary>
    public bool HasExceptions => _patterns.Any(p => p.Exception);

    /// <summary>The patterns of the .dockerignore in <paramref name="contextPath"/>, or <see cref="Empty"/> when there is none.</summary>
    public static DockerIgnore Load(string contextPath)
    {
        var file = System.IO.Path.Combine(contextPath, ".dockerignore");
        return File.Exists(file) ? Parse(File.ReadAllLines(file)) : Empty;
    }

    public static DockerIgnore Parse(IEnumerable<string> lines)
    {
        var patterns = new List<(Regex, bool)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var exception = line[0] == '!';
            if (exception) line = line[1..].Trim();
            var clean = Clean(line);
            if (clean.Length == 0) continue;
            patterns.Add((ToRegex(clean), exception));
        }
        return new DockerIgnore(patterns);
    }

    /// <summary>Whether <paramref name="relativePath"/> ('/'-separated, relative to the context root) is left out.</summary>
    public bool IsExcluded(string relativePath)
    {
        var excluded = false;
        var parents = relativePath.Split('/');
        foreach (var (pattern, exception) in _patterns)
        {
            // An exception can only change an excluded path, an exclusion only an included one.
            if (exception != excluded) continue;
            var match = pattern.IsMatch(relativePath);
            for (var i = 1; !match && i < parents.Length; i++) match = pattern.IsMatch(string.Join('/', parents, 0, i));
            if (match) excluded = !exception;
        }
        return excluded;
    }

    // filepath.Clean, with the leading '/' dropped (the context is the root); '\' stays an escape, as on Linux.
    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else if (part != ".." || parts.Count > 0) parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        // "**/" is any number of folders, none included.
                        i++;
                        regex.Append("(?:.*/)?");
                    }
                    else
                    {
                        regex.Append(".*");
                    }
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) goto default;
                    var set = pattern[(i + 1)..end];
                    regex.Append('[').Append(set.StartsWith('^') || set.StartsWith('!') ? "^" + Escape(set[1..]) : Escape(set)).Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    // Inside a class only '\', ']' and '[' need escaping; '-' keeps its range meaning, as in Go's filepath.Match.
    private static string Escape(string set) => set.Replace("\\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal);
}
