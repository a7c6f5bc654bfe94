/**
 * Editor code shared by the dialogs of @pulsar-ws/node-red-pulsar (pulsar-ws-endpoint,
 * pulsar-out, pulsar-in): i18n lookup, the validators that mirror the runtime's own checks, the
 * dialog plumbing (tabs, reading sibling fields while a dialog is open), and the calls to the
 * runtime's admin endpoints (Test connection, topic suggestions).
 * Node-RED serves a module's resources/ folder at resources/<module>/; each node's .html loads
 * this file before its own script, so no dialog borrows code from another node's definition.
 */
(function () {
    "use strict";
    // The three node sets share one message catalog; any set's namespace finds the keys.
    var NS = "@pulsar-ws/node-red-pulsar/pulsar-ws-endpoint:";
    var ENV_REF = /^\$\{[^}]+\}$/;
    var NAMED_ENTITY = /^[-=:.\w]+$/;
    // "." and ".." would be resolved as path steps on the way to Pulsar: refused, as by the runtime.
    var DOT_SEGMENT = /^\.\.?$/;
    var DOMAIN_PREFIX = /^(persistent|non-persistent):\/\/(.*)$/;
    // C0 and C1 control characters, as refused by the runtime: matching them is the point.
    // eslint-disable-next-line no-control-regex
    var CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

    function t(node, key, opts) {
        if (node && typeof node._ === "function") {
            return node._(key, opts);
        }
        return RED._(NS + key, opts);
    }

    /**
     * A property missing from a node (a flow written by hand or by a tool, setting only the
     * properties it cares about, as the flow JSON contract allows) takes the runtime's default: valid.
     */
    function missing(v) {
        return v === undefined;
    }

    function str(v) {
        return v === undefined || v === null ? "" : String(v).trim();
    }

    /**
     * A topic is `name`, `tenant/namespace/name`, `persistent://tenant/namespace/name` or
     * `non-persistent://tenant/namespace/name` (or a whole `${VAR}`). True, or the i18n message.
     */
    function checkTopic(node, v, required) {
        var s = str(v);
        if (s === "") {
            return required ? t(node, "pulsar.validation.topicRequired") : true;
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var rest = s;
        var prefixed = DOMAIN_PREFIX.exec(s);
        if (prefixed) {
            rest = prefixed[2];
        } else if (s.indexOf("://") !== -1) {
            return t(node, "pulsar.validation.topicShape");
        }
        var parts = rest.split("/");
        var local;
        if (parts.length === 1 && !prefixed) {
            local = parts[0];
        } else if (parts.length === 3) {
            if (!NAMED_ENTITY.test(parts[0]) || !NAMED_ENTITY.test(parts[1]) ||
                DOT_SEGMENT.test(parts[0]) || DOT_SEGMENT.test(parts[1])) {
                return t(node, "pulsar.validation.topicPart");
            }
            local = parts[2];
        } else {
            return t(node, "pulsar.validation.topicShape");
        }
        if (local === "" || CONTROL_CHARS.test(local) || DOT_SEGMENT.test(local)) {
            return t(node, "pulsar.validation.topicLocal");
        }
        return true;
    }

    /** Integer check: true, or the i18n message saying what is expected. `${VAR}` is accepted. */
    function checkInt(node, v, min, max, blankAllowed) {
        if (missing(v)) {
            return true;
        }
        var s = str(v);
        if (s === "") {
            return blankAllowed ? true : t(node, "pulsar.validation.required");
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
        if (isNaN(n) || (min !== null && n < min) || (max !== null && n > max)) {
            if (min === null && max === null) {
                return t(node, "pulsar.validation.integer");
            }
            if (max === null) {
                return t(node, "pulsar.validation.integerMin", { min: min });
            }
            return t(node, "pulsar.validation.integerRange", { min: min, max: max });
        }
        return true;
    }

    function intValidator(min, max, blankAllowed) {
        return function (v, _opt) {
            return checkInt(this, v, min, max, blankAllowed);
        };
    }

    /** Seconds, fractions allowed (the runtime takes them): true, or the i18n message. */
    function checkSeconds(node, v, min, max, minExclusive) {
        if (missing(v)) {
            return true;
        }
        var s = str(v);
        if (s === "") {
            return t(node, "pulsar.validation.required");
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var n = /^(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : NaN;
        if (isNaN(n) || (minExclusive ? n <= min : n < min) || (max !== null && n > max)) {
            if (minExclusive) {
                return t(node, "pulsar.validation.secondsPositive");
            }
            if (max !== null) {
                return t(node, "pulsar.validation.secondsRange", { min: min, max: max });
            }
            return t(node, "pulsar.validation.secondsMin", { min: min });
        }
        return true;
    }

    function secondsValidator(min, max, minExclusive) {
        return function (v, _opt) {
            return checkSeconds(this, v, min, max, minExclusive);
        };
    }

    function oneOf(values) {
        return function (v, _opt) {
            return missing(v) || values.indexOf(v === null ? "" : v) !== -1 ? true : t(this, "pulsar.validation.option");
        };
    }

    /** Empty, `${VAR}`, or a Pulsar name (cluster, tenant, namespace): true, or the i18n message. */
    function namedEntityValidator() {
        return function (v, _opt) {
            var s = str(v);
            return s === "" || ENV_REF.test(s) || (NAMED_ENTITY.test(s) && !DOT_SEGMENT.test(s)) ? true : t(this, "pulsar.validation.namedEntity");
        };
    }

    // ----- Dialog plumbing

    /**
     * The fields of one dialog, for validators that depend on a sibling property. Node-RED runs
     * validators with the node as `this`, also when no dialog is open (on load, on deploy): only
     * while this node's dialog is open is the form the truth, otherwise the node's stored value.
     *   prefix: "node-input" or "node-config-input"
     */
    function dialogFields(prefix) {
        var editingId = null;
        return {
            open: function (node) {
                editingId = node.id;
            },
            close: function () {
                editingId = null;
            },
            current: function (node, prop) {
                if (node && editingId !== null && node.id === editingId) {
                    var el = $("#" + prefix + "-" + prop);
                    if (el.length) {
                        return el.attr("type") === "checkbox" ? el.prop("checked") : el.val();
                    }
                }
                return node ? node[prop] : undefined;
            }
        };
    }

    /**
     * A dialog's tabs (RED.tabs): `listId` is the <ul> of labels, `contentId` the element holding
     * one <div> a tab; tabs: [{ id, label }] in order.
     */
    function dialogTabs(listId, contentId, tabs) {
        var widget = RED.tabs.create({
            id: listId,
            onchange: function (tab) {
                $("#" + contentId).children().hide();
                $("#" + tab.id).show();
            }
        });
        tabs.forEach(function (tab) {
            widget.addTab(tab);
        });
        setTimeout(function () { widget.resize(); }, 0);
        return widget;
    }

    // ----- Test connection and topic suggestions. The runtime makes the admin calls
    // (nodes/lib/editor-api.ts) with the token typed in the endpoint's dialog or, failing that, the
    // stored credential, so the token never comes to the browser; answers are i18n keys with
    // parameters.

    var STORED_PASSWORD = "__PWRD__";
    var LEVEL_ICON = { ok: "fa-check", warn: "fa-exclamation-triangle", error: "fa-times", running: "fa-spinner fa-spin" };

    /** A token only when the user typed one: the editor shows a stored one as a placeholder. */
    function typedToken(value) {
        var s = str(value);
        return s === STORED_PASSWORD ? "" : s;
    }

    /** "_ADD_" is the config-node selector's "add new" entry, i.e. none chosen. */
    function chosenId(value) {
        var s = str(value);
        return s === "_ADD_" ? "" : s;
    }

    function adminCall(path, body, done) {
        $.ajax({
            url: "pulsar-ws-endpoint/" + path,
            type: "POST",
            contentType: "application/json; charset=utf-8",
            data: JSON.stringify(body),
            dataType: "json",
            timeout: 30000
        }).done(done).fail(function (xhr, status) {
            var line = { level: "error", key: "pulsar.admin.result.request-failed", params: { status: xhr.status || status } };
            done({ ok: false, lines: [line], items: [], error: line });
        });
    }

    function lineText(line) {
        var params = $.extend({}, line.params);
        params.reason = params.reason ? ": " + params.reason : "";
        // A field named by its property (serviceUrl) is shown with its label (Service URL), as the
        // runtime does for node errors; a name no dialog shows stays as it is.
        ["field", "option"].forEach(function (name) {
            if (typeof params[name] === "string" && /^[A-Za-z0-9]+$/.test(params[name])) {
                var label = t(null, "pulsar.label." + params[name]);
                if (label && label.indexOf("pulsar.label.") === -1) {
                    params[name] = label;
                }
            }
        });
        return t(null, line.key, params);
    }

    /** Result lines ({ level, key, params }) as icon + text rows in `$target`. */
    function showLines($target, lines) {
        $target.empty();
        lines.forEach(function (line) {
            $('<div class="pulsar-ws-test-line"></div>').addClass("pulsar-ws-level-" + line.level)
                .append($('<i class="fa"></i>').addClass(LEVEL_ICON[line.level]))
                .append($("<span></span>").text(lineText(line)))
                .appendTo($target);
        });
    }

    /** An endpoint config node as the editor holds it, for the suggestions of its users. */
    function nodeRequest(id) {
        var ep = id ? RED.nodes.node(id) : null;
        if (!ep) {
            return null;
        }
        return {
            id: id,
            serviceUrl: ep.serviceUrl,
            cluster: ep.cluster,
            tenant: ep.tenant,
            namespace: ep.namespace,
            tls: ep.tls || "",
            proxy: ep.proxy || "",
            authType: ep.authType || "",
            token: typedToken(ep.credentials && ep.credentials.token),
            oauth2IssuerUrl: ep.oauth2IssuerUrl || "",
            oauth2ClientId: ep.oauth2ClientId || "",
            oauth2Audience: ep.oauth2Audience || "",
            oauth2Scope: ep.oauth2Scope || "",
            oauth2ClientSecret: typedToken(ep.credentials && ep.credentials.oauth2ClientSecret)
        };
    }

    /**
     * Pulsar's own topics (system topics such as __change_events, a test harness's
     * __harness_ready): a name, the last path step, that starts with "__". Never suggested.
     */
    function isInternalTopic(item) {
        var name = item.slice(item.lastIndexOf("/") + 1);
        return name.indexOf("__") === 0;
    }

    /** What Pulsar listed, less its internal topics. */
    function userSuggestions(items) {
        return items.filter(function (item) {
            return !isInternalTopic(item);
        });
    }

    /** The suggestions to offer for what is typed: those that start with it (any case), itself included. */
    function matchSuggestions(items, typed) {
        var lower = typed.toLowerCase();
        return userSuggestions(items).filter(function (item) {
            return item.toLowerCase().indexOf(lower) === 0;
        });
    }

    /**
     * Topic suggestions on a topic field, one level at a time: short names of the default
     * namespace and tenants, then "tenant/" → its namespaces, "tenant/ns/" → its topics (a typed
     * persistent:// or non-persistent:// is kept). Node-RED's autoComplete shows them while
     * typing; the lookup button opens them and says why a list is empty. Each level is asked once
     * per dialog.
     *   opts: { input, button, status: jQuery; endpointId: function returning the chosen endpoint;
     *           list: true for a field holding several topics separated by commas (suggests for
     *           the entry after the last comma and keeps the ones before it) }
     */
    function topicSuggestions(opts) {
        var lists = {};
        var explain = false;

        function say(line) {
            if (line) {
                showLines(opts.status, [line]);
            } else {
                opts.status.empty();
            }
        }

        function search(whole, done) {
            // In a list, only the entry being typed is completed; the ones before it stay.
            var cut = opts.list ? Math.max(whole.lastIndexOf(","), whole.lastIndexOf("\n")) + 1 : 0;
            var head = whole.slice(0, cut);
            var value = whole.slice(cut).replace(/^\s+/, "");
            if (head !== "" && !/\s$/.test(head)) {
                head += " ";
            }
            var reply = done;
            done = function (items) {
                reply(cut === 0 ? items : items.map(function (item) { return { value: head + item, label: item }; }));
            };
            var request = nodeRequest(chosenId(opts.endpointId()));
            var loud = explain;
            explain = false;
            if (!request) {
                say(loud ? { level: "warn", key: "pulsar.admin.lookup.noEndpoint" } : null);
                done([]);
                return;
            }
            var dir = value.slice(0, value.lastIndexOf("/") + 1);
            var key = request.id + "|" + dir;
            /** Offers the matches; asked with the lookup button, says why there are none. */
            function offer(items) {
                var matches = matchSuggestions(items, value);
                if (!loud || matches.length > 0) {
                    say(null);
                } else if (userSuggestions(items).length === 0) {
                    say({ level: "warn", key: "pulsar.admin.lookup.empty" });
                } else {
                    say({ level: "warn", key: "pulsar.admin.lookup.noMatch", params: { typed: value } });
                }
                done(matches);
            }
            if (lists[key]) {
                offer(lists[key]);
                return;
            }
            if (loud) {
                say({ level: "running", key: "pulsar.admin.lookup.loading" });
            }
            request.dir = dir;
            adminCall("lookup", request, function (res) {
                if (res.ok) {
                    lists[key] = res.items;
                    offer(res.items);
                } else {
                    say(loud ? res.error : null);
                    done([]);
                }
            });
        }

        function open() {
            // The widget lists on keyup; a key code it does not treat specially stands for "now".
            opts.input.trigger($.Event("keyup", { keyCode: 40 }));
        }

        opts.input.autoComplete({ search: search, minLength: 0 });
        opts.input.on("change", function () {
            // A picked tenant or namespace ends with "/": go on to the next level.
            if (/\/$/.test(str(opts.input.val())) && opts.input.is(":focus")) {
                setTimeout(open, 0);
            }
        });
        opts.button.on("click", function (evt) {
            evt.preventDefault();
            explain = true;
            opts.input.focus();
            open();
        });
    }

    /**
     * The Topic field of a pulsar-out / pulsar-in dialog (#node-input-topic), with its lookup
     * button #<type>-topic-lookup and hint line #<type>-topic-lookup-status, suggesting from the
     * endpoint chosen in the form.
     */
    function topicField(type, list) {
        topicSuggestions({
            input: $("#node-input-topic"),
            button: $("#" + type + "-topic-lookup"),
            status: $("#" + type + "-topic-lookup-status"),
            endpointId: function () { return $("#node-input-endpoint").val(); },
            list: list === true
        });
    }

    /**
     * The topic's registered schema (type, version, fields), read by the runtime
     * (POST pulsar-ws-endpoint/schema) through the endpoint chosen in the form.
     */
    function schemaView(type) {
        var status = $("#" + type + "-schema-status");
        $("#" + type + "-schema-show").on("click", function (evt) {
            evt.preventDefault();
            var request = nodeRequest(chosenId($("#node-input-endpoint").val()));
            if (!request) {
                showLines(status, [{ level: "warn", key: "pulsar.admin.lookup.noEndpoint" }]);
                return;
            }
            request.topic = str($("#node-input-topic").val()).split(/[,\n]/)[0].trim();
            showLines(status, [{ level: "running", key: "pulsar.admin.schema.loading" }]);
            adminCall("schema", request, function (res) {
                if (!res.ok) {
                    showLines(status, [res.error || (res.lines && res.lines[0])]);
                    return;
                }
                if (!res.schema) {
                    showLines(status, [{ level: "warn", key: "pulsar.admin.schema.none", params: { topic: res.topic } }]);
                    return;
                }
                var s = res.schema;
                showLines(status, [{ level: "ok", key: "pulsar.admin.schema.found", params: { type: s.type + (s.encoding ? " " + s.encoding : ""), version: s.version === undefined ? "?" : s.version } }]);
                s.fields.forEach(function (field) {
                    $('<div class="pulsar-ws-test-line pulsar-ws-pattern-item"></div>').text(field).appendTo(status);
                });
            });
        });
    }

    /**
     * pulsar-in's pattern preview: the topics a topicPattern matches today, listed by the runtime
     * (POST pulsar-ws-endpoint/pattern) as the node's discovery will list them.
     *   opts: { input, button, status: jQuery; endpointId: function }
     */
    function patternPreview(opts) {
        opts.button.on("click", function (evt) {
            evt.preventDefault();
            var request = nodeRequest(chosenId(opts.endpointId()));
            if (!request) {
                showLines(opts.status, [{ level: "warn", key: "pulsar.admin.lookup.noEndpoint" }]);
                return;
            }
            request.pattern = str(opts.input.val());
            showLines(opts.status, [{ level: "running", key: "pulsar.admin.pattern.loading" }]);
            adminCall("pattern", request, function (res) {
                if (!res.ok) {
                    showLines(opts.status, [res.error || (res.lines && res.lines[0])]);
                    return;
                }
                var shown = res.items.slice(0, 20);
                var lines = [{ level: res.count > 0 ? "ok" : "warn", key: res.count > 0 ? "pulsar.admin.pattern.matches" : "pulsar.admin.pattern.none",
                    params: { count: res.count, namespace: res.namespace || "" } }];
                opts.status.empty();
                showLines(opts.status, lines);
                shown.forEach(function (name) {
                    $('<div class="pulsar-ws-test-line pulsar-ws-pattern-item"></div>').text(name).appendTo(opts.status);
                });
                if (res.count > shown.length) {
                    $('<div class="pulsar-ws-test-line"></div>').text(t(null, "pulsar.admin.pattern.more", { count: res.count - shown.length })).appendTo(opts.status);
                }
            });
        });
    }

    window.PulsarWsEditor = {
        ENV_REF: ENV_REF,
        NAMED_ENTITY: NAMED_ENTITY,
        DOT_SEGMENT: DOT_SEGMENT,
        DOMAIN_PREFIX: DOMAIN_PREFIX,
        CONTROL_CHARS: CONTROL_CHARS,
        t: t,
        str: str,
        checkTopic: checkTopic,
        checkInt: checkInt,
        intValidator: intValidator,
        checkSeconds: checkSeconds,
        secondsValidator: secondsValidator,
        oneOf: oneOf,
        namedEntityValidator: namedEntityValidator,
        dialogFields: dialogFields,
        dialogTabs: dialogTabs,
        typedToken: typedToken,
        chosenId: chosenId,
        adminCall: adminCall,
        showLines: showLines,
        isInternalTopic: isInternalTopic,
        matchSuggestions: matchSuggestions,
        topicSuggestions: topicSuggestions,
        topicField: topicField,
        schemaView: schemaView,
        patternPreview: patternPreview
    };
})();
