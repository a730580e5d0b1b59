/* Glue between the Label Studio Frontend bundle (window.LabelStudio) and this server's API.
 * Written from the page <-> backend contract of the legacy 0.8/0.9 pages; no jQuery needed.
 * URLs are relative to the page, so a page at / talks to /api/... */
(function () {
  "use strict";

  var LABELING_INTERFACES = [
    "basic", "panel", "controls", "submit", "update", "predictions", "predictions:menu",
    "completions:menu", "completions:add-new", "completions:delete", "side-column", "skip",
  ];

  function call(method, url, body) {
    var init = { method: method, credentials: "include", headers: {} };
    if (method !== "DELETE") init.headers["Accept"] = "application/json";
    if (body !== undefined || method === "DELETE") init.headers["Content-Type"] = "application/json";
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(url, init);
  }

  // LSF wants its own names for some completion keys, and a string pk
  function forEditor(completion) {
    var copy = Object.assign({}, completion);
    if (copy.id !== undefined && copy.id !== null) copy.pk = String(copy.id);
    if (copy.created_ago !== undefined) copy.createdAgo = copy.created_ago;
    if (copy.created_username !== undefined) copy.createdBy = copy.created_username;
    if (copy.lead_time !== undefined) copy.leadTime = copy.lead_time;
    return copy;
  }

  function leadTime(completion) {
    var started = completion.loadedDate ? new Date(completion.loadedDate).getTime() : Date.now();
    return (Date.now() - started) / 1000;
  }

  function completionBody(completion) {
    return { lead_time: leadTime(completion), result: completion.serializeCompletion() };
  }

  function taskUrl(ls) {
    return "api/tasks/" + ls.task.id + "/";
  }

  // Puts `task` into the editor and selects a completion: `selectPk` when given and present,
  // else the first saved one (explore), else a new one from the first prediction or empty.
  function showTask(ls, task, selectPk, preferSaved) {
    var completions = (task.completions || []).map(forEditor);
    var predictions = task.predictions || [];
    ls.resetState();
    ls.assignTask({ id: task.id, data: JSON.stringify(task.data), completions: completions,
                    predictions: predictions });
    ls.initializeStore({ completions: completions, predictions: predictions });
    var store = ls.completionStore;
    var chosen = null;
    store.completions.forEach(function (c) {
      if (selectPk !== undefined && selectPk !== null && c.pk === String(selectPk)) chosen = c;
    });
    if (!chosen && preferSaved && store.completions.length) chosen = store.completions[0];
    if (!chosen) {
      chosen = predictions.length && store.predictions.length
        ? store.addCompletionFromPrediction(store.predictions[0])
        : store.addCompletion({ userGenerate: true });
    }
    store.selectCompletion(chosen.id);
    ls.setFlags({ isLoading: false });
  }

  function loadNext(ls) {
    ls.setFlags({ isLoading: true });
    return call("GET", "api/project/next").then(function (answer) {
      if (answer.status === 404) return ls.setFlags({ isLoading: false, noTask: true });
      if (answer.status === 403) return ls.setFlags({ isLoading: false, noAccess: true });
      return answer.json().then(function (task) { showTask(ls, task, null, false); });
    });
  }

  function reloadTask(ls, selectPk) {
    ls.setFlags({ isLoading: true });
    return call("GET", taskUrl(ls)).then(function (answer) {
      if (!answer.ok) return ls.setFlags({ isLoading: false, noTask: true });
      return answer.json().then(function (task) { showTask(ls, task, selectPk, true); });
    });
  }

  function addEmptyCompletion(ls) {
    var fresh = ls.completionStore.addCompletion({ userGenerate: true });
    ls.completionStore.selectCompletion(fresh.id);
  }

  // the config preview: an example task, nothing is saved
  function preview(options) {
    return new window.LabelStudio("label-studio", {
      config: options.config,
      task: options.task,
      interfaces: ["basic", "side-column", "predictions"],
      user: { pk: 1, firstName: "Label", lastName: "Studio" },
      onLabelStudioLoad: addEmptyCompletion,
    });
  }

  function start(options) {
    if (options.preview) return preview(options);
    var exploring = options.task !== null && options.task !== undefined;
    var task = exploring ? Object.assign({}, options.task, {
      completions: (options.task.completions || []).map(forEditor),
    }) : null;
    var settings = {
      config: options.config,
      task: task,
      interfaces: options.interfaces || LABELING_INTERFACES,
      user: { pk: 1, firstName: "Label", lastName: "Studio" },
      description: options.description || "",
      onLabelStudioLoad: function (ls) {
        if (!exploring) return loadNext(ls);
        // the task's completions are not in the store yet: decide from the task itself
        if (!task.completions.length) addEmptyCompletion(ls);
      },
      onSubmitCompletion: function (ls, completion) {
        return call("POST", taskUrl(ls) + "completions/", completionBody(completion))
          .then(function (answer) { return answer.json(); })
          .then(function (saved) {
            completion.updatePersonalKey(String(saved.id));
            return exploring ? reloadTask(ls, saved.id) : loadNext(ls);
          });
      },
      onSkipTask: function (ls) {
        var selected = ls.completionStore.selected;
        var body = selected ? completionBody(selected) : { lead_time: 0, result: [] };
        return call("POST", "api/tasks/" + ls.task.id + "/completions?was_cancelled=1", body)
          .then(function (answer) { return answer.json(); })
          .then(function (saved) {
            return exploring ? reloadTask(ls, saved.id) : loadNext(ls);
          });
      },
      onUpdateCompletion: function (ls, completion) {
        var pk = completion.pk;
        return call("PATCH", taskUrl(ls) + "completions/" + pk + "/", completionBody(completion))
          .then(function () { return reloadTask(ls, pk); });
      },
      onDeleteCompletion: function (ls, completion) {
        var pk = completion.pk;  // LSF destroys the completion right after this returns
        if (pk === null || pk === undefined) return;
        call("DELETE", taskUrl(ls) + "completions/" + pk + "/");
      },
    };
    return new window.LabelStudio("label-studio", settings);
  }

  window.LSGlue = { start: start };
})();
