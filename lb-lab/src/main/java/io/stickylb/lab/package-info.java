/** The experiment lab: scenarios, virtual clients, fault schedules and reports of skew, affinity and session loss. */
package io.stickylb.lab;
